import { describe, expect, it } from 'vitest';
import { CancelledError } from '../samplers/instrument.ts';
import { SAMPLERS, samplerSpecSchema, type SamplerSpecInput } from '../samplers/spec.ts';
import { VpSde } from '../sde/sde.ts';
import { equicorrelatedScore } from '../testing/analytic-gaussian.ts';
import { tensor } from '../tensor.ts';
import { inpaint, inpaintSnr } from './inpaint.ts';
import type { TaskModel } from './types.ts';

// Data N(mu 1, a I + b 1 1^T) over a 2x2 image: every pixel correlated with every other, so the
// known pixels say something about the unknown ones, and conditionals have closed forms.
const A = 0.02;
const B = 0.06;
const MU = 0.1;
const D = 4;

const sde = new VpSde(0.1, 20, 1000, 1e-3);
const model: TaskModel = {
  sde,
  shape: [1, 2, 2],
  score: equicorrelatedScore(sde, { a: A, b: B, mu: MU, d: D }),
};
const known = tensor(new Float32Array([0.5, 0, 0.3, 0]), [1, 1, 2, 2]);
// Fill pixels 1 and 3, keep 0 and 2.
const mask = new Float32Array([0, 1, 0.2, 0.9]);

/** Conditional of the unknown pixels given k known ones: mean mu + b S/(a+kb), variance a + ab/(a+kb). */
function conditional(knownValues: number[]): { mean: number; variance: number } {
  const k = knownValues.length;
  const s = knownValues.reduce((acc, v) => acc + v - MU, 0);
  return { mean: MU + (B * s) / (A + k * B), variance: A + (A * B) / (A + k * B) };
}

const spec = (s: SamplerSpecInput) => samplerSpecSchema.parse(s);

describe('inpaint', () => {
  it('pc samples the exact conditional of a correlated Gaussian', async () => {
    const n = 2000;
    const out = await inpaint(model, known, mask, { spec: spec({ sampler: 'pc' }), n, seed: 5 });
    expect(out.x.shape).toEqual([n, 1, 2, 2]);
    const want = conditional([0.5, 0.3]);
    for (const p of [1, 3]) {
      const { mean, variance } = moments(out.x.data, p, n);
      expect(Math.abs(mean - want.mean)).toBeLessThan(0.05);
      expect(Math.abs(variance / want.variance - 1)).toBeLessThan(0.15);
    }
  });

  it("corrects more at fewer steps: the paper's snr at 1000 steps, less bias at 100", async () => {
    expect(inpaintSnr(1000)).toBeCloseTo(0.16, 10);
    expect(inpaintSnr(100)).toBeCloseTo(0.16 * Math.sqrt(10), 10);
    const n = 4000;
    const want = conditional([0.5, 0.3]).mean;
    const bias = async (s: SamplerSpecInput) => {
      const out = await inpaint(model, known, mask, { spec: spec(s), n, seed: 5 });
      return Math.abs((moments(out.x.data, 1, n).mean + moments(out.x.data, 3, n).mean) / 2 - want);
    };
    const paper = await bias({ sampler: 'pc', steps: 100, snr: 0.16 });
    const scaled = await bias({ sampler: 'pc', steps: 100 });
    expect(paper).toBeGreaterThan(0.05);
    expect(scaled).toBeLessThan(paper / 2);
  });

  // The replacement alone leaves predictor-only PC and the ODE solvers short of the known pixels'
  // pull (see the test below); the posterior correction supplies it, exactly here, where the
  // denoiser is linear and two CG steps solve the two known pixels' system.
  it.each([
    { sampler: 'pc', steps: 100, corrector: 'none' },
    { sampler: 'dpm++3m' },
    { sampler: 'heun', steps: 50 },
  ] as const)('with the posterior correction $sampler samples the exact conditional', async (s) => {
    const n = 4000;
    const want = conditional([0.5, 0.3]);
    const fill = async (posteriorSteps: number) => {
      const out = await inpaint(model, known, mask, {
        spec: spec({ ...s, posteriorSteps }),
        n,
        seed: 7,
      });
      return moments2(out.x.data, n);
    };
    const plain = await fill(0);
    const corrected = await fill(2);
    expect(Math.abs(plain.mean - want.mean)).toBeGreaterThan(0.07);
    expect(Math.abs(corrected.mean - want.mean)).toBeLessThan(0.012);
    expect(Math.abs(corrected.variance / want.variance - 1)).toBeLessThan(0.08);
  });

  it('counts the posterior correction as one evaluation per CG step taken', async () => {
    const run = (posteriorSteps: number) =>
      inpaint(model, known, mask, {
        spec: spec({ sampler: 'euler', steps: 10, posteriorSteps }),
        n: 2,
        seed: 1,
      });
    expect((await run(0)).nfe).toBe(11);
    expect((await run(1)).nfe).toBe(22);
    // CG stops early once it has solved the system (two known values: about two steps).
    const three = (await run(3)).nfe;
    expect(three).toBeGreaterThan(22);
    expect(three).toBeLessThanOrEqual(44);
  });

  it.each(SAMPLERS.map((s) => [s]))('%s keeps the unmasked pixels exactly', async (sampler) => {
    const n = 200;
    const out = await inpaint(model, known, mask, {
      spec: spec({ sampler, steps: 30 }),
      n,
      seed: 1,
    });
    for (let b = 0; b < n; b++) {
      expect(out.x.data[b * D]).toBe(known.data[0]);
      expect(out.x.data[b * D + 2]).toBe(known.data[2]);
    }
    // The fill leans towards the known pixels (unconditional mean 0.1, conditional 0.36), though
    // only PC's corrector removes the bias of the replacement method (see inpaint.ts).
    const { mean } = moments(out.x.data, 1, n);
    expect(mean).toBeGreaterThan(0.15);
    expect(mean).toBeLessThan(0.45);
  });

  it('is deterministic for a seed and stops on abort', async () => {
    const o = { spec: spec({ sampler: 'heun', steps: 20 }), n: 4, seed: 3 };
    const a = await inpaint(model, known, mask, o);
    const b = await inpaint(model, known, mask, o);
    expect(b.x.data).toEqual(a.x.data);
    const ctrl = new AbortController();
    let steps = 0;
    const run = inpaint(model, known, mask, {
      ...o,
      signal: ctrl.signal,
      onStep: () => {
        if (++steps === 2) ctrl.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
  });

  it('refuses empty, full and mis-sized masks', async () => {
    const o = { spec: spec({}), n: 1, seed: 0 };
    await expect(inpaint(model, known, new Float32Array(4), o)).rejects.toThrow(/mask is empty/);
    await expect(inpaint(model, known, new Float32Array(4).fill(1), o)).rejects.toThrow(
      /covers the whole image/,
    );
    await expect(inpaint(model, known, new Float32Array(3), o)).rejects.toThrow(/3 values/);
    const nan = new Float32Array([0, 1, NaN, 0]);
    await expect(inpaint(model, known, nan, o)).rejects.toThrow(/non-finite value at pixel 2/);
  });
});

/** Moments of the two filled pixels (1 and 3) pooled: they share one conditional. */
function moments2(x: Float32Array, n: number): { mean: number; variance: number } {
  const a = moments(x, 1, n);
  const b = moments(x, 3, n);
  const mean = (a.mean + b.mean) / 2;
  const second = (a.variance + a.mean ** 2 + b.variance + b.mean ** 2) / 2;
  return { mean, variance: second - mean * mean };
}

function moments(x: Float32Array, p: number, n: number): { mean: number; variance: number } {
  let sum = 0;
  let sq = 0;
  for (let b = 0; b < n; b++) {
    const v = x[b * D + p]!;
    sum += v;
    sq += v * v;
  }
  const mean = sum / n;
  return { mean, variance: sq / n - mean * mean };
}
