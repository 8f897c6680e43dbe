import { tensor, type Tensor } from '../tensor.ts';
import type { Sde } from '../sde/sde.ts';
import { denoiseAtEps } from './denoise.ts';
import { batchGroups, rk45, type OdeFn } from './rk45.ts';
import { linspace } from './schedules.ts';
import { constrained, type SamplerOptions, type ScoreFn } from './types.ts';

/** dx/dt = f(x,t) - g(t)^2 score / 2 on a batch of the given shape, as a plain ODE right-hand side. */
export function probabilityFlow(score: ScoreFn, sde: Sde, shape: Tensor['shape']): OdeFn {
  const rsde = sde.reverse(score, true);
  return async (t, y) => {
    const { drift } = await rsde.sde(tensor(Float32Array.from(y), shape), t);
    return Float64Array.from(drift);
  };
}

const CONSTRAINED_MIN_STEPS = 100;

export interface OdeOptions extends SamplerOptions {
  rtol: number;
  atol: number;
  denoise: boolean;
}

/** Probability-flow ODE from T to eps with adaptive RK45: the paper's black-box ODE sampler. */
export async function sampleOde(
  score: ScoreFn,
  sde: Sde,
  x: Tensor,
  o: OdeOptions,
): Promise<Tensor> {
  const f = probabilityFlow(score, sde, x.shape);
  const { constrain } = o;
  const project = constrain
    ? (t: number, y: Float64Array) =>
        Float64Array.from(constrain(tensor(Float32Array.from(y), x.shape), t).data)
    : undefined;
  // A constraint acts only between steps, so steps are capped to let it act often enough.
  const maxStep = constrain ? (sde.T - sde.eps) / CONSTRAINED_MIN_STEPS : undefined;
  const { y } = await rk45(f, Float64Array.from(x.data), sde.T, sde.eps, {
    ...o,
    project,
    maxStep,
    groups: batchGroups(x.shape[0], x.data.length / x.shape[0]),
  });
  const out = tensor(Float32Array.from(y), x.shape);
  return o.denoise ? denoiseAtEps(score, sde, constrained(o, out, sde.eps), o.rng) : out;
}

export interface FixedStepOptions extends SamplerOptions {
  steps: number;
  denoise: boolean;
}

/** Probability-flow ODE with K Euler steps evenly spaced in t (K evaluations). */
export async function sampleEuler(
  score: ScoreFn,
  sde: Sde,
  x: Tensor,
  o: FixedStepOptions,
): Promise<Tensor> {
  return fixedStep(score, sde, x, o, false);
}

/** Probability-flow ODE with K Heun (trapezoidal predictor-corrector) steps (2K evaluations). */
export async function sampleHeun(
  score: ScoreFn,
  sde: Sde,
  x: Tensor,
  o: FixedStepOptions,
): Promise<Tensor> {
  return fixedStep(score, sde, x, o, true);
}

async function fixedStep(
  score: ScoreFn,
  sde: Sde,
  x: Tensor,
  o: FixedStepOptions,
  heun: boolean,
): Promise<Tensor> {
  const f = probabilityFlow(score, sde, x.shape);
  const ts = linspace(sde.T, sde.eps, o.steps + 1);
  let y = Float64Array.from(x.data);
  for (let i = 0; i < o.steps; i++) {
    const t = ts[i]!;
    const h = ts[i + 1]! - t;
    if (o.constrain)
      y = Float64Array.from(o.constrain(tensor(Float32Array.from(y), x.shape), t).data);
    const d = await f(t, y);
    const euler = y.map((v, j) => v + h * d[j]!);
    if (!heun) {
      y = euler;
      continue;
    }
    const d2 = await f(t + h, euler);
    y = y.map((v, j) => v + 0.5 * h * (d[j]! + d2[j]!));
  }
  const out = tensor(Float32Array.from(y), x.shape);
  return o.denoise ? denoiseAtEps(score, sde, constrained(o, out, sde.eps), o.rng) : out;
}
