import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../rng.ts';
import { CancelledError } from '../samplers/instrument.ts';
import { loadModel, type ScoreModel } from '../score/score-model.ts';
import { tensor, type Tensor } from '../tensor.ts';
import {
  bitsPerDim,
  dequantize,
  likelihood,
  type LikelihoodOptions,
  type LikelihoodResult,
} from './likelihood.ts';
import { mixtureDir, mixtureLogDensity, readMixture, sampleMixture } from './mixture-fixture.ts';

const TOL = { rtol: 1e-5, atol: 1e-5 };
// Tight enough that the ODE error falls below the finite-difference error under test.
const TIGHT = { rtol: 1e-6, atol: 1e-6 };
const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;

// Hutchinson's per-point error is large in 2-D (up to ~1 bit/dim with one probe, where the posterior
// switches between components), so the average runs over many points and 8 probes: its spread over
// probe seeds is then ~0.01 bits/dim.
describe.each([
  ['vp', 256],
  ['vp-d16', 64],
  ['ve', 256],
])('likelihood on the exact %s mixture', (name, n) => {
  let model: ScoreModel;
  const mix = readMixture(name);
  const d = mix.means[0]!.length;
  const points = sampleMixture(mix, n, createRng(7));
  let x: Tensor;
  let exactBpd: number[];
  const item = (data: Float32Array, i: number) => data.subarray(i * d, (i + 1) * d);

  /**
   * bits/dim of the run with the prior swapped for the mixture's true p_T, so that only the ODE and
   * the divergence are under test (the VE fixture's sigma_max = 3 leaves p_T visibly off the prior;
   * for VP the two agree to ~1e-4 nats).
   */
  const withTrueEnd = (out: LikelihoodResult): number[] => {
    const { mean: m, std } = model.sde.marginal(model.sde.T);
    const prior = model.sde.priorLogp(out.z);
    return Array.from(out.logp, (lp, i) =>
      bitsPerDim(lp - prior[i]! + mixtureLogDensity(mix, item(out.z.data, i), m, std), d, [-1, 1]),
    );
  };
  const run = (o: Partial<LikelihoodOptions>) => likelihood(model, x, { ...TOL, ...o });

  beforeAll(async () => {
    model = await loadModel(mixtureDir(name), { maxBatch: 8192 });
    x = tensor(points.x, [n, ...model.shape]);
    // The ODE carries p_eps, not p_0, to the prior: the reference is the data perturbed at eps.
    const { mean: m, std } = model.sde.marginal(model.sde.eps);
    exactBpd = Array.from({ length: n }, (_, i) =>
      bitsPerDim(mixtureLogDensity(mix, item(points.x, i), m, std), d, [-1, 1]),
    );
  });
  afterAll(async () => model.dispose());

  it('exact divergence matches the closed form at every point', async () => {
    const out = await run({ ...TIGHT, exact: true });
    const errors = withTrueEnd(out).map((b, i) => Math.abs(b - exactBpd[i]!));
    expect(Math.max(...errors)).toBeLessThan(3e-4);
    if (name !== 've') {
      // Against the model's own prior: VP's p_T differs from N(0, I) by ~2e-3 bits/dim here.
      const direct = Array.from(out.bpd, (b, i) => Math.abs(b - exactBpd[i]!));
      expect(Math.max(...direct)).toBeLessThan(5e-3);
    }
  });

  it("Hutchinson's estimate matches on average over points", async () => {
    const out = await run({ probes: 8, seed: 3 });
    expect(Math.abs(mean(withTrueEnd(out)) - mean(exactBpd))).toBeLessThan(0.05);
  });

  it('the finite-difference step balances truncation and rounding', async () => {
    const few = 32;
    const err = async (relativeStep: number) => {
      const head = tensor(points.x.slice(0, few * d), [few, ...model.shape]);
      const out = await likelihood(model, head, { ...TIGHT, exact: true, relativeStep });
      return Math.max(...withTrueEnd(out).map((b, i) => Math.abs(b - exactBpd[i]!)));
    };
    const chosen = await err(Math.cbrt(2 ** -23));
    expect(chosen).toBeLessThan(3e-4);
    // Much smaller: float32 rounding of the score dominates; much larger: the difference's truncation.
    expect(await err(3e-5)).toBeGreaterThan(3 * chosen);
    expect(await err(0.2)).toBeGreaterThan(3 * chosen);
  });
});

describe('likelihood', () => {
  let model: ScoreModel;
  beforeAll(async () => {
    model = await loadModel(mixtureDir('vp'));
  });
  afterAll(async () => model.dispose());

  it('is deterministic for a probe seed and stacks each evaluation into one network call', async () => {
    const x = tensor(new Float32Array([0.5, 0.5, -0.5, -0.4]), [2, 1, 1, 2]);
    const before = model.evaluations;
    const a = await likelihood(model, x, { ...TOL, probes: 3, seed: 1 });
    expect(model.evaluations - before).toBe(a.nfe);
    const b = await likelihood(model, x, { ...TOL, probes: 3, seed: 1 });
    expect(b.bpd).toEqual(a.bpd);
    expect(b.z.data).toEqual(a.z.data);
  });

  it('stops on abort', async () => {
    const x = tensor(new Float32Array([0.5, 0.5]), [1, 1, 1, 2]);
    const ctrl = new AbortController();
    let steps = 0;
    const run = likelihood(model, x, {
      ...TOL,
      signal: ctrl.signal,
      onStep: (info) => {
        expect(info.progress).toBeGreaterThanOrEqual(0);
        if (++steps === 3) ctrl.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(steps).toBe(3);
  });
});

describe('bits/dim convention', () => {
  it('is score_sde: -log p / (D ln 2) + 7 for the range [-1, 1]', () => {
    expect(bitsPerDim(-10, 4, [-1, 1])).toBeCloseTo(10 / (4 * Math.LN2) + 7, 12);
    expect(bitsPerDim(-10, 4, [0, 1])).toBeCloseTo(10 / (4 * Math.LN2) + 8, 12);
  });

  it('gives 8 bits/dim for data uniform over all 256 levels', () => {
    // Uniform on [-1, 1) has log density -D ln 2: every 8-bit value is equally likely.
    expect(bitsPerDim(-3 * Math.LN2, 3, [-1, 1])).toBeCloseTo(8, 12);
  });

  it('dequantizes pixel k read as k/255 into its bin [k, k+1)/256', () => {
    const ks = [0, 1, 128, 254, 255];
    const x = tensor(
      Float32Array.from(ks, (k) => -1 + (2 * k) / 255),
      [1, 1, 1, ks.length],
    );
    const out = dequantize(x, [-1, 1], createRng(2));
    ks.forEach((k, i) => {
      const u = ((out.data[i]! + 1) / 2) * 256;
      expect(u).toBeGreaterThanOrEqual(k);
      expect(u).toBeLessThan(k + 1);
    });
  });
});
