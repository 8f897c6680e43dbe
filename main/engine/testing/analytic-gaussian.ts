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
