import type { Sde } from '../sde/sde.ts';
import type { ScoreFn } from '../samplers/types.ts';

/**
 * Exact score of data N(mu, s0^2 I) perturbed by the SDE: p_t = N(m mu, (m^2 s0^2 + std^2) I).
 * The same function the Python reference vectors use, so both sides agree without a network.
 */
export function gaussianScore(sde: Sde, mu: number, s0: number): ScoreFn {
  return async (x, t) => {
    const { mean, std } = sde.marginal(t);
    const v = mean * mean * s0 * s0 + std * std;
    return x.data.map((xi) => -(xi - mean * mu) / v);
  };
}

/**
 * Exact score of data N(mu 1, a I + b 1 1^T) over groups of `d` values (each batch item is
 * items of d values, every value correlated with the others of its group): p_t has covariance
 * m^2 (a I + b 1 1^T) + std^2 I, whose inverse is again identity plus a rank-one term.
 */
export function equicorrelatedScore(
  sde: Sde,
  g: { a: number; b: number; mu: number; d: number },
): ScoreFn {
  return async (x, t) => {
    const { mean, std } = sde.marginal(t);
    const alpha = mean * mean * g.a + std * std;
    const beta = mean * mean * g.b;
    const out = new Float32Array(x.data.length);
    for (let base = 0; base < out.length; base += g.d) {
      let sum = 0;
      for (let i = 0; i < g.d; i++) sum += x.data[base + i]! - mean * g.mu;
      const shrink = (beta / (alpha + g.d * beta)) * sum;
      for (let i = 0; i < g.d; i++) {
        out[base + i] = -(x.data[base + i]! - mean * g.mu - shrink) / alpha;
      }
    }
    return out;
  };
}

/**
 * Exact score of RGB data whose pixels are independent, each N(mu, cov) over its three channels
 * (planar [B,3,H,W] layout, `pixels` = H*W): p_t's per-pixel covariance is m^2 cov + std^2 I.
 */
export function rgbGaussianScore(
  sde: Sde,
  mu: readonly number[],
  cov: readonly (readonly number[])[],
  pixels: number,
): ScoreFn {
  return async (x, t) => {
    const { mean, std } = sde.marginal(t);
    const c = cov.map((row, i) => row.map((v, j) => mean * mean * v + (i === j ? std * std : 0)));
    const inv = inverse3(c);
    const out = new Float32Array(x.data.length);
    for (let base = 0; base < out.length; base += 3 * pixels) {
      for (let p = 0; p < pixels; p++) {
        const d = [0, 1, 2].map((ch) => x.data[base + ch * pixels + p]! - mean * mu[ch]!);
        for (let ch = 0; ch < 3; ch++) {
          out[base + ch * pixels + p] = -(
            inv[ch]![0]! * d[0]! +
            inv[ch]![1]! * d[1]! +
            inv[ch]![2]! * d[2]!
          );
        }
      }
    }
    return out;
  };
}

/** Inverse of a 3x3 matrix by its adjugate. */
export function inverse3(m: readonly (readonly number[])[]): number[][] {
  const [[a, b, c], [d, e, f], [g, h, i]] = m as number[][] as [number[], number[], number[]];
  const A = e! * i! - f! * h!;
  const B = -(d! * i! - f! * g!);
  const C = d! * h! - e! * g!;
  const det = a! * A + b! * B + c! * C;
  return [
    [A / det, -(b! * i! - c! * h!) / det, (b! * f! - c! * e!) / det],
    [B / det, (a! * i! - c! * g!) / det, -(a! * f! - c! * d!) / det],
    [C / det, -(a! * h! - b! * g!) / det, (a! * e! - b! * d!) / det],
  ];
}
