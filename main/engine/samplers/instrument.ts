import { like, type Tensor } from '../tensor.ts';
import type { Sde } from '../sde/sde.ts';
import type { SamplerOptions, ScoreFn } from './types.ts';

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

export interface InstrumentedScore {
  score: ScoreFn;
  nfe(): number;
}

/**
 * Wraps a score function so that every sampler gets the same bookkeeping for free: it counts network
 * evaluations, refuses to start a new one once the signal is aborted (so a cancel stops a job within
 * one evaluation), and reports progress with a Tweedie estimate of the clean image as the preview.
 */
export function instrument(score: ScoreFn, sde: Sde, opts: SamplerOptions): InstrumentedScore {
  let nfe = 0;
  return {
    nfe: () => nfe,
    async score(x, t) {
      if (opts.signal?.aborted) throw new CancelledError();
      const s = await score(x, t);
      nfe++;
      if (opts.onStep) {
        opts.onStep({
          nfe,
          t,
          x,
          progress: Math.min(1, Math.max(0, (sde.T - t) / (sde.T - sde.eps))),
          denoised: tweedie(sde, x, s, t),
        });
      }
      return s;
    },
  };
}

/** E[x_0 | x_t] = (x_t + std^2 score) / mean for a Gaussian perturbation kernel. */
export function tweedie(sde: Sde, x: Tensor, score: Float32Array, t: number): Tensor {
  const { mean, std } = sde.marginal(t);
  const v = std * std;
  const out = new Float32Array(x.data.length);
  for (let i = 0; i < out.length; i++) out[i] = (x.data[i]! + v * score[i]!) / mean;
  return like(x, out);
}
