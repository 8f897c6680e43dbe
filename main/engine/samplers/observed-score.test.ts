import { describe, expect, it } from 'vitest';
import { VpSde } from '../sde/sde.ts';
import { equicorrelatedScore } from '../testing/analytic-gaussian.ts';
import { tensor } from '../tensor.ts';
import { observedScore, type Observation } from './observed-score.ts';
import type { ScoreFn } from './types.ts';

// Four values N(mu 1, a I + b 1 1^T); values 0 and 2 observed, 1 and 3 not.
const G = { a: 0.02, b: 0.06, mu: 0.1, d: 4 };
const sde = new VpSde(0.1, 20, 1000, 1e-3);
const score = equicorrelatedScore(sde, G);
const KEPT = [1, 0, 1, 0];
const obs: Observation = {
  target: new Float32Array([0.5, 0, 0.3, 0]),
  project: (v) => v.map((e, i) => e * KEPT[i % 4]!),
};

/**
 * The score of p_t(x_t^u | x0^k = y) at the unknown values: x0^u | y is N(mu_c 1, a I + c 1 1^T)
 * with mu_c = mu + b S / (a + 2b), c = a b / (a + 2b), S the known values' sum less 2 mu; x_t^u | y
 * adds the SDE's mean and noise.
 */
function exactConditionalScore(x: [number, number], t: number): [number, number] {
  const { mean, std } = sde.marginal(t);
  const s = 0.5 + 0.3 - 2 * G.mu;
  const muC = G.mu + (G.b * s) / (G.a + 2 * G.b);
  const c = (G.a * G.b) / (G.a + 2 * G.b);
  const alpha = mean * mean * G.a + std * std;
  const beta = mean * mean * c;
  const d = x.map((v) => v - mean * muC) as [number, number];
  const shrink = (beta / (alpha + 2 * beta)) * (d[0] + d[1]);
  return [-(d[0] - shrink) / alpha, -(d[1] - shrink) / alpha];
}

describe('observedScore', () => {
  it.each([0.05, 0.3, 0.8])(
    'is the exact conditional score of a Gaussian at t = %s once CG has a step per observed value',
    async (t) => {
      const { mean, std } = sde.marginal(t);
      // x_t with the known part a forward sample of y (as the replacement constraint leaves it).
      const x = tensor(
        new Float32Array([mean * 0.5 + 0.3 * std, 0.2, mean * 0.3 - 0.5 * std, -0.4]),
        [1, 1, 2, 2],
      );
      const got = await observedScore(score, sde, obs, 2)(x, t);
      const want = exactConditionalScore([x.data[1]!, x.data[3]!], t);
      expect(got[1]).toBeCloseTo(want[0], 2);
      expect(got[3]).toBeCloseTo(want[1], 2);
      expect(Math.abs(got[1]! / want[0] - 1)).toBeLessThan(2e-3);
      // Not the unconditional score: the correction is what moved it.
      const plain = await score(x, t);
      expect(Math.abs(plain[1]! / want[0] - 1)).toBeGreaterThan(0.05);
    },
  );

  it('evaluates the network once per score and once per CG step', async () => {
    let calls = 0;
    const counted: ScoreFn = (x, t) => {
      calls++;
      return score(x, t);
    };
    const x = tensor(new Float32Array([0.1, 0.2, 0.3, 0.4, 0, 0, 0, 0]), [2, 1, 2, 2]);
    await observedScore(counted, sde, obs, 3)(x, 0.5);
    // Two observed values: CG ends after two steps, its residual then zero.
    expect(calls).toBe(3);
  });

  it('leaves the score as it was where the denoiser already agrees with the observation', async () => {
    const t = 0.4;
    const x0 = tensor(new Float32Array([0.5, 0.1, 0.3, 0.2]), [1, 1, 2, 2]);
    const s = await score(x0, t);
    const { mean, std } = sde.marginal(t);
    // The observation set to what the denoiser says at x0: no residual, no correction.
    const denoised = x0.data.map((v, i) => (v + std * std * s[i]!) / mean);
    const agreeing: Observation = { ...obs, target: obs.project(denoised) };
    const got = await observedScore(score, sde, agreeing, 1)(x0, t);
    for (let i = 0; i < 4; i++) expect(got[i]).toBeCloseTo(s[i]!, 5);
  });

  it('takes no step along a direction the network says has no positive variance', async () => {
    // A score pulling twice as hard as the noise alone gives a denoiser that decreases in x_t:
    // a negative "covariance", which a badly trained network can show too.
    const overshoot: ScoreFn = async (x, t) =>
      x.data.map((v) => (-2 * v) / sde.marginal(t).std ** 2);
    const x = tensor(new Float32Array([0.5, 0.1, 0.3, 0.2]), [1, 1, 2, 2]);
    const got = await observedScore(overshoot, sde, obs, 2)(x, 0.5);
    const plain = await overshoot(x, 0.5);
    for (let i = 0; i < 4; i++) expect(got[i]).toBeCloseTo(plain[i]!, 4);
  });
});
