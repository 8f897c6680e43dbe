import { describe, expect, it } from 'vitest';
import { createRng } from '../engine/rng.ts';
import { fitToMixture } from './engine.ts';

const mixture = {
  weights: [0.7, 0.3],
  means: [
    [-0.5, 0],
    [0.5, 0.5],
  ],
  stds: [0.05, 0.1],
};

/** n exact samples: the first 70% from component 0, the rest from component 1. */
function samples(n: number, spread: number): Float32Array {
  const z = createRng(5).normal(2 * n);
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const k = i < 0.7 * n ? 0 : 1;
    for (let a = 0; a < 2; a++) {
      out[2 * i + a] = mixture.means[k]![a]! + spread * mixture.stds[k]! * z[2 * i + a]!;
    }
  }
  return out;
}

describe('fitToMixture', () => {
  it('finds exact samples exact', () => {
    const fit = fitToMixture(samples(4000, 1), mixture);
    expect(fit.weightError).toBeLessThan(0.01);
    expect(fit.stdRatio).toBeCloseTo(1, 1);
  });

  it('sees samples that are too spread out', () => {
    expect(fitToMixture(samples(4000, 1.5), mixture).stdRatio).toBeGreaterThan(1.3);
  });

  it('sees samples that miss a component', () => {
    const all0 = samples(1000, 1).subarray(0, 1400);
    expect(fitToMixture(all0, mixture).weightError).toBeCloseTo(0.3, 5);
  });
});
