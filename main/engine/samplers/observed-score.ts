import { like } from '../tensor.ts';
import type { Sde } from '../sde/sde.ts';
import { posteriorStepsOf, type SamplerSpec } from './spec.ts';
import type { SamplerOptions, ScoreFn } from './types.ts';

/**
 * What a conditional task knows of the clean image: an orthogonal projection P onto the observed
 * subspace (inpainting: the kept pixels; colorization: each pixel's gray component) and the clean
 * image's projection onto it, P x0 = target.
 */
export interface Observation {
  /** P v for every image of a batch of flattened images (v is left as it was). */
  project(v: Float32Array): Float32Array;
  /** P x0 of one image, in image space. */
  target: Float32Array;
}

/** CG stops for an item once its residual is this fraction of the first one. */
const CG_TOLERANCE = 1e-4;

/**
 * The score of p_t(x_t | P x0 = target) from the unconditional one, with Tweedie's formulas
 * (ΠGDM / moment-matching posterior sampling, Song J. et al. 2023, Rozet et al. 2024):
 *
 *   E[x0 | x_t, y] ~ D + Sigma P (P Sigma P)^+ P (target - D),   D = E[x0 | x_t]
 *   Sigma = Cov[x0 | x_t] = std^2 / mean  dD/dx_t                  (Tweedie, second order)
 *
 * and the conditional score back from that mean, (mean E[x0 | x_t, y] - x_t) / std^2. The system is
 * solved by `cgSteps` steps of conjugate gradients, one Jacobian-vector product each. ONNX has no
 * autograd, so each product is a finite difference of D along the search direction, one more network
 * evaluation; a vector-Jacobian product is not needed, as dD/dx_t is symmetric (it is a covariance).
 *
 * The replacement constraint alone conditions the unknown part only on the noisy known part at each
 * time, which ignores what the clean known part says beyond it; this is the missing term.
 */
export function observedScore(
  score: ScoreFn,
  sde: Sde,
  obs: Observation,
  cgSteps: number,
  /** Finite-difference step, as a fraction of the noise std (root mean square per value). */
  relativeStep = 0.1,
): ScoreFn {
  return async (x, t) => {
    const { mean, std } = sde.marginal(t);
    const s0 = await score(x, t);
    const batch = x.shape[0];
    const size = x.data.length / batch;
    const denoised = (s: Float32Array, at: Float32Array): Float64Array => {
      const out = new Float64Array(s.length);
      for (let i = 0; i < out.length; i++) out[i] = (at[i]! + std * std * s[i]!) / mean;
      return out;
    };
    const d0 = denoised(s0, x.data);
    const residual = new Float32Array(x.data.length);
    for (let i = 0; i < residual.length; i++) residual[i] = obs.target[i % size]! - d0[i]!;
    const res = Float64Array.from(obs.project(residual));
    const dir = Float64Array.from(res);
    const rr = itemDots(res, res, batch);
    const done = rr.map((v) => v * CG_TOLERANCE ** 2);
    const live = rr.map((v) => (v > 0 ? 1 : 0));
    const correction = new Float64Array(x.data.length);
    for (let k = 0; k < cgSteps && live.some((v) => v); k++) {
      const sigmaDir = await covarianceProduct(dir, live);
      const q = obs.project(Float32Array.from(sigmaDir));
      const pq = itemDots(dir, q, batch);
      for (let b = 0; b < batch; b++) {
        if (!live[b] || !(pq[b]! > 0)) {
          live[b] = 0;
          continue;
        }
        const alpha = rr[b]! / pq[b]!;
        let next = 0;
        for (let i = b * size; i < (b + 1) * size; i++) {
          correction[i] = correction[i]! + alpha * sigmaDir[i]!;
          res[i] = res[i]! - alpha * q[i]!;
          next += res[i]! * res[i]!;
        }
        const beta = next / rr[b]!;
        for (let i = b * size; i < (b + 1) * size; i++) dir[i] = res[i]! + beta * dir[i]!;
        rr[b] = next;
        if (!(next > done[b]!)) live[b] = 0;
      }
    }
    const out = new Float32Array(x.data.length);
    for (let i = 0; i < out.length; i++) {
      out[i] = (mean * (d0[i]! + correction[i]!) - x.data[i]!) / (std * std);
    }
    return out;

    /** Sigma v per live item, from D at x + h v; items not live get zeros. */
    async function covarianceProduct(v: Float64Array, on: number[]): Promise<Float64Array> {
      const h = new Float64Array(batch);
      const moved = Float32Array.from(x.data);
      for (let b = 0; b < batch; b++) {
        if (!on[b]) continue;
        let ss = 0;
        for (let i = b * size; i < (b + 1) * size; i++) ss += v[i]! * v[i]!;
        h[b] = (relativeStep * std) / Math.sqrt(ss / size);
        for (let i = b * size; i < (b + 1) * size; i++) moved[i] = moved[i]! + h[b]! * v[i]!;
      }
      const d1 = denoised(await score(like(x, moved), t), moved);
      const out = new Float64Array(v.length);
      const scale = (std * std) / mean;
      for (let b = 0; b < batch; b++) {
        if (!on[b]) continue;
        for (let i = b * size; i < (b + 1) * size; i++) {
          out[i] = (scale * (d1[i]! - d0[i]!)) / h[b]!;
        }
      }
      return out;
    }
  };
}

/**
 * The sampler option that applies observedScore to the counted network with the spec's CG steps
 * (posteriorStepsOf), or none when they are 0 (the paper's replacement constraint alone).
 */
export function posteriorGuide(
  sde: Sde,
  obs: Observation,
  spec: SamplerSpec,
): SamplerOptions['guide'] {
  const steps = posteriorStepsOf(spec);
  return steps > 0 ? (score) => observedScore(score, sde, obs, steps) : undefined;
}

function itemDots(a: ArrayLike<number>, b: ArrayLike<number>, batch: number): number[] {
  const size = a.length / batch;
  const out: number[] = [];
  for (let k = 0; k < batch; k++) {
    let s = 0;
    for (let i = k * size; i < (k + 1) * size; i++) s += a[i]! * b[i]!;
    out.push(s);
  }
  return out;
}
