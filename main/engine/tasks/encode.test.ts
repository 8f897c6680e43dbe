import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../rng.ts';
import { CancelledError } from '../samplers/instrument.ts';
import { loadModel, type ScoreModel } from '../score/score-model.ts';
import { tensor } from '../tensor.ts';
import { decode, encode } from './encode.ts';
import { mixtureDir, readMixture, sampleMixture } from './mixture-fixture.ts';

const TOL = { rtol: 1e-6, atol: 1e-6 };

describe.each(['vp', 've', 'vp-d16'])('encode and decode on the exact %s mixture', (name) => {
  let model: ScoreModel;
  beforeAll(async () => {
    model = await loadModel(mixtureDir(name), { maxBatch: 1000 });
  });
  afterAll(async () => model.dispose());

  it('decode(encode(x)) = x', async () => {
    const n = 64;
    const x = tensor(sampleMixture(readMixture(name), n, createRng(3)).x, [n, ...model.shape]);
    const { z, nfe } = await encode(model, x, TOL);
    expect(nfe).toBeGreaterThan(10);
    // The codes are prior-like: their spread is the prior's, far from the data's.
    const sd = Math.sqrt(z.data.reduce((a, v) => a + v * v, 0) / z.data.length);
    expect(sd / model.sde.priorStd).toBeGreaterThan(0.6);
    expect(sd / model.sde.priorStd).toBeLessThan(1.4);
    const back = await decode(model, z, TOL);
    const err = Math.max(...back.x.data.map((v, i) => Math.abs(v - x.data[i]!)));
    expect(err).toBeLessThan(1e-3);
  });
});

describe('encode', () => {
  let model: ScoreModel;
  beforeAll(async () => {
    model = await loadModel(mixtureDir('vp'));
  });
  afterAll(async () => model.dispose());

  it('is deterministic and reports progress from eps to T', async () => {
    const x = tensor(new Float32Array([0.5, 0.45, -0.5, -0.6]), [2, 1, 1, 2]);
    const progress: number[] = [];
    const a = await encode(model, x, { ...TOL, onStep: (s) => progress.push(s.progress) });
    const b = await encode(model, x, TOL);
    expect(b.z.data).toEqual(a.z.data);
    expect(progress).toHaveLength(a.nfe);
    expect(progress.at(-1)).toBeCloseTo(1, 9);
  });

  it('stops on abort, in both directions', async () => {
    const x = tensor(new Float32Array([0.5, 0.45]), [1, 1, 1, 2]);
    for (const run of [encode, decode] as const) {
      const ctrl = new AbortController();
      let steps = 0;
      const job = run(model, x, {
        ...TOL,
        signal: ctrl.signal,
        onStep: () => {
          if (++steps === 4) ctrl.abort();
        },
      });
      await expect(job).rejects.toBeInstanceOf(CancelledError);
      expect(steps).toBe(4);
    }
  });

  it('refuses images of another shape', async () => {
    const x = tensor(new Float32Array(3), [1, 1, 1, 3]);
    await expect(encode(model, x, TOL)).rejects.toThrow(/expected images of shape \[B,1,1,2\]/);
  });
});
