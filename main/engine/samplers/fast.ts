import { tensor, type Tensor } from '../tensor.ts';
import type { Sde } from '../sde/sde.ts';
import { denoiseAtEps } from './denoise.ts';
import { tweedie } from './instrument.ts';
import { karrasTimes, logSnrTimes, scaledSigma } from './schedules.ts';
import type { SamplerOptions, ScoreFn } from './types.ts';

export interface FastOptions extends SamplerOptions {
  steps: number;
  denoise: boolean;
}

/** The network's estimate of the clean image at time t (data prediction). */
async function dataPrediction(
  score: ScoreFn,
  sde: Sde,
  x: Tensor,
  t: number,
): Promise<Float32Array> {
  return tweedie(sde, x, await score(x, t), t).data;
}

/**
 * DPM-Solver++(2M) (Lu et al. 2022): multistep second-order solver of the probability-flow ODE in
 * data-prediction form, steps evenly spaced in log-SNR. Exact for the linear part of the ODE, so it
 * needs far fewer evaluations than a generic solver. Works for every SDE through its marginal
 * (mean, std): x_t = mean x_0 + std z. Steps evaluations (plus one when denoising).
 */
export async function sampleDpmSolver2M(
  score: ScoreFn,
  sde: Sde,
  x: Tensor,
  o: FastOptions,
): Promise<Tensor> {
  const ts = logSnrTimes(sde, o.steps);
  const lambda = (t: number): number => -Math.log(scaledSigma(sde, t));
  let cur = Float32Array.from(x.data);
  let prevD: Float32Array | undefined;
  let prevH = 0;
  for (let i = 0; i < o.steps; i++) {
    const s = ts[i]!;
    const t = ts[i + 1]!;
    const d0 = await dataPrediction(score, sde, tensor(cur, x.shape), s);
    const h = lambda(t) - lambda(s);
    const ms = sde.marginal(s);
    const mt = sde.marginal(t);
    // Second order from the previous data prediction, except at the last of few steps, where the
    // lower-order update is more stable (DPM-Solver++'s "lower order final").
    const secondOrder = prevD !== undefined && !(i === o.steps - 1 && o.steps < 15);
    const r = prevH / h;
    const c0 = secondOrder ? 1 + 1 / (2 * r) : 1;
    const c1 = secondOrder ? -1 / (2 * r) : 0;
    const a = mt.std / ms.std;
    const b = -mt.mean * Math.expm1(-h);
    const next = new Float32Array(cur.length);
    for (let j = 0; j < next.length; j++) {
      const d = c0 * d0[j]! + (secondOrder ? c1 * prevD![j]! : 0);
      next[j] = a * cur[j]! + b * d;
    }
    cur = next;
    prevD = d0;
    prevH = h;
  }
  const out = tensor(cur, x.shape);
  return o.denoise ? denoiseAtEps(score, sde, out, o.rng) : out;
}

/**
 * Heun's method on the Karras et al. (EDM) noise schedule (rho = 7), in the scaled variable
 * y = x / mean(t) where the ODE reads dy/dsigma = (y - D(y)) / sigma. 2 evaluations per step.
 */
export async function sampleHeunKarras(
  score: ScoreFn,
  sde: Sde,
  x: Tensor,
  o: FastOptions,
): Promise<Tensor> {
  const ts = karrasTimes(sde, o.steps);
  const slope = async (y: Float32Array, t: number): Promise<Float32Array> => {
    const { mean } = sde.marginal(t);
    const sigma = scaledSigma(sde, t);
    const xt = y.map((v) => v * mean);
    const d = await dataPrediction(score, sde, tensor(xt, x.shape), t);
    return y.map((v, j) => (v - d[j]!) / sigma);
  };
  let y = x.data.map((v) => v / sde.marginal(sde.T).mean);
  for (let i = 0; i < o.steps; i++) {
    const s = ts[i]!;
    const t = ts[i + 1]!;
    const h = scaledSigma(sde, t) - scaledSigma(sde, s);
    const k1 = await slope(y, s);
    const euler = y.map((v, j) => v + h * k1[j]!);
    const k2 = await slope(euler, t);
    y = y.map((v, j) => v + 0.5 * h * (k1[j]! + k2[j]!));
  }
  const mean = sde.marginal(sde.eps).mean;
  const out = tensor(
    y.map((v) => v * mean),
    x.shape,
  );
  return o.denoise ? denoiseAtEps(score, sde, out, o.rng) : out;
}
