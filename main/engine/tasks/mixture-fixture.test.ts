import { describe, expect, it } from 'vitest';
import { createRng } from '../rng.ts';
import {
  mixtureLogDensity,
  nearestComponent,
  readMixture,
  sampleMixture,
} from './mixture-fixture.ts';

describe('mixture fixture math', () => {
  const mix = readMixture('vp');

  it('the perturbed log-density is a normalized density', () => {
    // Midpoint rule over [-3, 3]^2 at t where the kernel is N(0.8 x0, 0.5^2).
    const h = 0.02;
    let total = 0;
    for (let a = -3 + h / 2; a < 3; a += h) {
      for (let b = -3 + h / 2; b < 3; b += h)
        total += Math.exp(mixtureLogDensity(mix, [a, b], 0.8, 0.5));
    }
    expect(total * h * h).toBeCloseTo(1, 4);
  });

  it('samples the components with their weights and stds', () => {
    const n = 20000;
    const { x, labels } = sampleMixture(mix, n, createRng(1));
    mix.weights.forEach((w, k) =>
      expect(labels.filter((l) => l === k).length / n).toBeCloseTo(w, 1),
    );
    expect(nearestComponent(mix, x).filter((k, i) => k === labels[i]).length / n).toBeGreaterThan(
      0.99,
    );
    const first = labels
      .map((l, i) => (l === 0 ? x[2 * i]! - mix.means[0]![0]! : NaN))
      .filter((v) => !Number.isNaN(v));
    const sd = Math.sqrt(first.reduce((a, v) => a + v * v, 0) / first.length);
    expect(sd / mix.stds[0]!).toBeCloseTo(1, 1);
  });
});
