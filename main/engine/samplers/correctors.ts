import { like, type Tensor } from '../tensor.ts';
import type { StepContext, Update } from './predictors.ts';

export type Corrector = (
  ctx: StepContext,
  x: Tensor,
  t: number,
  snr: number,
  nSteps: number,
) => Promise<Update>;

/** Mean over the batch of each item's L2 norm, as score_sde does for the Langevin step size. */
export function meanItemNorm(v: Float32Array, batch: number): number {
  const d = v.length / batch;
  let total = 0;
  for (let b = 0; b < batch; b++) {
    let ss = 0;
    for (let i = b * d; i < (b + 1) * d; i++) ss += v[i]! * v[i]!;
    total += Math.sqrt(ss);
  }
  return total / batch;
}

function langevinMove(x: Tensor, grad: Float32Array, noise: Float32Array, step: number): Update {
  const n = x.data.length;
  const mean = new Float32Array(n);
  const out = new Float32Array(n);
  const b = Math.sqrt(2 * step);
  for (let i = 0; i < n; i++) {
    mean[i] = x.data[i]! + step * grad[i]!;
    out[i] = mean[i]! + b * noise[i]!;
  }
  return { x: like(x, out), xMean: like(x, mean) };
}

/** Langevin MCMC with the step size set by a target signal-to-noise ratio (Song et al., Alg. 4/5). */
export const langevin: Corrector = async (ctx, x, t, snr, nSteps) => {
  const alpha = ctx.sde.langevinAlpha(t);
  let update: Update = { x, xMean: x };
  for (let k = 0; k < nSteps; k++) {
    const grad = await ctx.score(update.x, t);
    const noise = ctx.rng.normal(grad.length);
    const gradNorm = meanItemNorm(grad, x.shape[0]);
    const noiseNorm = meanItemNorm(noise, x.shape[0]);
    // A zero score (exactly at a mode) would give an infinite step; take none instead.
    const step = gradNorm > 0 ? 2 * alpha * ((snr * noiseNorm) / gradNorm) ** 2 : 0;
    update = langevinMove(update.x, grad, noise, step);
  }
  return update;
};

/** Annealed Langevin dynamics of NCSN: step size from the marginal std instead of the norms. */
export const annealedLangevin: Corrector = async (ctx, x, t, snr, nSteps) => {
  const alpha = ctx.sde.langevinAlpha(t);
  const std = ctx.sde.marginal(t).std;
  const step = 2 * alpha * (snr * std) ** 2;
  let update: Update = { x, xMean: x };
  for (let k = 0; k < nSteps; k++) {
    const grad = await ctx.score(update.x, t);
    update = langevinMove(update.x, grad, ctx.rng.normal(grad.length), step);
  }
  return update;
};

export const noCorrector: Corrector = async (_ctx, x) => ({ x, xMean: x });

export const CORRECTOR_STEPS = {
  langevin,
  annealed_langevin: annealedLangevin,
  none: noCorrector,
} as const;
