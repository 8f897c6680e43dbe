import type { Sde } from '../sde/sde.ts';
import type { ScheduleName } from './spec.ts';

/** n evenly spaced values from a to b inclusive. */
export function linspace(a: number, b: number, n: number): number[] {
  if (n === 1) return [a];
  return Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
}

/**
 * Noise level of the scaled variable x/mean(t): sigma~(t) = std(t)/mean(t). Every linear SDE's
 * probability-flow ODE becomes the VE ODE dy/dsigma~ = -sigma~ score~ in these coordinates, which is
 * what lets one fast solver serve VE, VP and sub-VP alike. log-SNR is lambda = -log sigma~.
 */
export function scaledSigma(sde: Sde, t: number): number {
  const { mean, std } = sde.marginal(t);
  return std / mean;
}

/** The time at which scaledSigma equals sigma, by bisection (sigma~ increases with t for all SDEs). */
export function timeAtScaledSigma(sde: Sde, sigma: number): number {
  let lo = 0;
  let hi = sde.T;
  for (let i = 0; i < 64 && hi - lo > 1e-15; i++) {
    const mid = 0.5 * (lo + hi);
    if (scaledSigma(sde, mid) < sigma) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** Times from T to eps evenly spaced in log-SNR (DPM-Solver's recommended spacing at low resolution). */
function logSnrTimes(sde: Sde, steps: number): number[] {
  const hi = Math.log(scaledSigma(sde, sde.T));
  const lo = Math.log(scaledSigma(sde, sde.eps));
  return linspace(hi, lo, steps + 1).map((l, i) =>
    i === 0 ? sde.T : i === steps ? sde.eps : timeAtScaledSigma(sde, Math.exp(l)),
  );
}

/** Karras et al. (EDM) schedule: sigma~ from max to min, evenly spaced in sigma^(1/rho). */
function karrasTimes(sde: Sde, steps: number, rho = 7): number[] {
  const max = scaledSigma(sde, sde.T) ** (1 / rho);
  const min = scaledSigma(sde, sde.eps) ** (1 / rho);
  return linspace(max, min, steps + 1).map((s, i) =>
    i === 0 ? sde.T : i === steps ? sde.eps : timeAtScaledSigma(sde, s ** rho),
  );
}

/** Times from T to eps evenly spaced in sqrt(t), i.e. denser near the data (DPM-Solver's "time_quadratic"). */
function timeQuadraticTimes(sde: Sde, steps: number): number[] {
  return linspace(Math.sqrt(sde.T), Math.sqrt(sde.eps), steps + 1).map((v, i) =>
    i === 0 ? sde.T : i === steps ? sde.eps : v * v,
  );
}

/** The step times, T first and eps last, of a named schedule. */
export function scheduleTimes(sde: Sde, steps: number, name: ScheduleName): number[] {
  switch (name) {
    case 'logsnr':
      return logSnrTimes(sde, steps);
    case 'time-quadratic':
      return timeQuadraticTimes(sde, steps);
    case 'karras':
      return karrasTimes(sde, steps);
  }
}
