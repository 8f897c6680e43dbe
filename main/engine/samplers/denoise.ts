import type { Tensor } from '../tensor.ts';
import type { Sde } from '../sde/sde.ts';
import { reverseDiffusion, type StepContext } from './predictors.ts';
import type { GaussianRng } from '../rng.ts';
import type { ScoreFn } from './types.ts';

/**
 * The optional last step of every sampler, as in score_sde: one noise-free reverse-diffusion step at
 * t = eps, which removes the small residual noise left at the end time.
 */
export async function denoiseAtEps(
  score: ScoreFn,
  sde: Sde,
  x: Tensor,
  rng: GaussianRng,
): Promise<Tensor> {
  const ctx: StepContext = { sde, score, rsde: sde.reverse(score, false), rng };
  return (await reverseDiffusion(ctx, x, sde.eps)).xMean;
}
