import type { Tensor } from '../tensor.ts';
import type { Sde } from '../sde/sde.ts';
import type { Corrector } from './correctors.ts';
import type { Step, StepContext } from './predictors.ts';
import { linspace } from './schedules.ts';
import { constrained, type SamplerOptions, type ScoreFn } from './types.ts';

export interface PcOptions extends SamplerOptions {
  predictor: Step;
  corrector: Corrector;
  snr: number;
  correctorSteps: number;
  denoise: boolean;
}

/**
 * Predictor-corrector sampling of the reverse SDE from T to eps over the SDE's N steps: at each time
 * the corrector runs first, then the predictor (score_sde's order). NFE = N (correctorSteps + 1).
 */
export async function samplePc(score: ScoreFn, sde: Sde, x: Tensor, o: PcOptions): Promise<Tensor> {
  const ctx: StepContext = { sde, score, rsde: sde.reverse(score, false), rng: o.rng };
  let state = { x, xMean: x };
  for (const t of linspace(sde.T, sde.eps, sde.N)) {
    state = await o.corrector(ctx, constrained(o, state.x, t), t, o.snr, o.correctorSteps);
    state = await o.predictor(ctx, constrained(o, state.x, t), t);
  }
  // The last predictor step's noise-free mean is score_sde's denoised output: no extra evaluation.
  return o.denoise ? state.xMean : state.x;
}
