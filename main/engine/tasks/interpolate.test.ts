import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../rng.ts';
import { samplerSpecSchema } from '../samplers/spec.ts';
import { loadModel, type ScoreModel } from '../score/score-model.ts';
import { tensor, type Tensor } from '../tensor.ts';
import { decode, encode } from './encode.ts';
import { interpolate, slerp } from './interpolate.ts';
import { mixtureDir } from './mixture-fixture.ts';

const norm = (d: ArrayLike<number>) => Math.sqrt(Array.from(d).reduce((a, v) => a + v * v, 0));
const item = (x: Tensor, i: number, size: number) => x.data.subarray(i * size, (i + 1) * size);

describe('slerp', () => {
  it('runs from z0 to z1 on the great circle, each batch item on its own', () => {
    // Item 0: orthogonal unit vectors; item 1: a vector and 3x another one.
    const z0 = tensor(new Float32Array([1, 0, 0, 1, 1, 0]), [2, 1, 1, 3]);
    const z1 = tensor(new Float32Array([0, 1, 0, 0, 0, 3]), [2, 1, 1, 3]);
    const out = slerp(z0, z1, 5);
    expect(out.shape).toEqual([10, 1, 1, 3]);
    expect(Array.from(item(out, 0, 3))).toEqual([1, 0, 0]);
    expect(Array.from(item(out, 8, 3))).toEqual([0, 1, 0]);
    expect(Array.from(item(out, 9, 3))).toEqual([0, 0, 3]);
    for (let f = 0; f < 5; f++) expect(norm(item(out, 2 * f, 3))).toBeCloseTo(1, 6);
    // Midpoint of the orthogonal pair: 45 degrees.
    expect(item(out, 4, 3)[0]).toBeCloseTo(Math.SQRT1_2, 6);
  });

  it('falls back to lerp for (nearly) parallel vectors', () => {
    const z0 = tensor(new Float32Array([1, 2]), [1, 1, 1, 2]);
    const z1 = tensor(new Float32Array([2, 4]), [1, 1, 1, 2]);
    const out = slerp(z0, z1, 3);
    expect(Array.from(out.data)).toEqual([1, 2, 1.5, 3, 2, 4]);
    const zero = slerp(tensor(new Float32Array(2), [1, 1, 1, 2]), z1, 2);
    expect(zero.data.every(Number.isFinite)).toBe(true);
  });

  it('refuses fewer than 2 frames and mismatched shapes', () => {
    const z = tensor(new Float32Array(2), [1, 1, 1, 2]);
    expect(() => slerp(z, z, 1)).toThrow(/at least 2 frames/);
    expect(() => slerp(z, tensor(new Float32Array(3), [1, 1, 1, 3]), 3)).toThrow(/differ in shape/);
  });
});

describe('interpolate on the exact vp mixture', () => {
  let model: ScoreModel;
  beforeAll(async () => {
    model = await loadModel(mixtureDir('vp'));
  });
  afterAll(async () => model.dispose());
  const tight = samplerSpecSchema.parse({ sampler: 'ode', rtol: 1e-6, atol: 1e-6 });

  it('decodes the encoded ends back to their images', async () => {
    const images = [new Float32Array([-0.5, -0.5]), new Float32Array([0.5, 0.45])];
    const [z0, z1] = await Promise.all(
      images.map(async (d) => (await encode(model, tensor(d, [1, 1, 1, 2]), tight)).z),
    );
    const out = await interpolate(model, { latents: [z0!, z1!] }, 4, { spec: tight, seed: 0 });
    expect(out.x.shape).toEqual([4, 1, 1, 2]);
    item(out.x, 0, 2).forEach((v, i) => expect(v).toBeCloseTo(images[0]![i]!, 3));
    item(out.x, 3, 2).forEach((v, i) => expect(v).toBeCloseTo(images[1]![i]!, 3));
  });

  it('starts from the prior sample of each seed, and is deterministic', async () => {
    const spec = samplerSpecSchema.parse({ sampler: 'dpm++3m' });
    const a = await interpolate(model, { seeds: [1, 2] }, 5, { spec, seed: 0 });
    const b = await interpolate(model, { seeds: [1, 2] }, 5, { spec, seed: 0 });
    expect(b.x.data).toEqual(a.x.data);
    const prior = model.sde.priorSample([1, 1, 1, 2], createRng(2));
    const end = await decode(model, prior, { rtol: 1e-6, atol: 1e-6 });
    item(a.x, 4, 2).forEach((v, i) => expect(v).toBeCloseTo(end.x.data[i]!, 2));
  });

  it('asks for an ODE sampler instead of pc', async () => {
    const spec = samplerSpecSchema.parse({ sampler: 'pc' });
    await expect(interpolate(model, { seeds: [1, 2] }, 3, { spec, seed: 0 })).rejects.toThrow(
      /probability-flow ODE/,
    );
  });
});
