import { like, type Tensor } from '../tensor.ts';
import { VeSde, VpSde, type ReverseSde, type Sde } from '../sde/sde.ts';
import type { GaussianRng } from '../rng.ts';
import type { ScoreFn } from './types.ts';

/** Everything one predictor or corrector step needs; built once per sampler run. */
export interface StepContext {
  sde: Sde;
  score: ScoreFn;
  /** Reverse-time SDE, or the probability-flow ODE for deterministic predictors. */
  rsde: ReverseSde;
  rng: GaussianRng;
}

/** x is the next state, xMean the same step without its final noise (used for the last step). */
export interface Update {
  x: Tensor;
  xMean: Tensor;
}

export type Step = (ctx: StepContext, x: Tensor, t: number) => Promise<Update>;

/** x_mean = base + a * v; x = x_mean + b * noise. */
function noisyUpdate(
  x: Tensor,
  base: Float32Array,
  a: number | Float32Array,
  v: Float32Array,
  b: number,
  rng: GaussianRng,
): Update {
  const n = base.length;
  const mean = new Float32Array(n);
  for (let i = 0; i < n; i++) mean[i] = base[i]! + (typeof a === 'number' ? a : a[i]!) * v[i]!;
  if (b === 0) return { x: like(x, mean), xMean: like(x, mean) };
  const z = rng.normal(n);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = mean[i]! + b * z[i]!;
  return { x: like(x, out), xMean: like(x, mean) };
}

export const eulerMaruyama: Step = async (ctx, x, t) => {
  const dt = -1 / ctx.sde.N;
  const { drift, diffusion } = await ctx.rsde.sde(x, t);
  return noisyUpdate(x, x.data, dt, drift, diffusion * Math.sqrt(-dt), ctx.rng);
};

export const reverseDiffusion: Step = async (ctx, x, t) => {
  const { f, G } = await ctx.rsde.discretize(x, t);
  return noisyUpdate(x, x.data, -1, f, G, ctx.rng);
};

/** Ancestral sampling of SMLD (VE) and DDPM (VP) on their discrete chains. */
export const ancestral: Step = async (ctx, x, t) => {
  const { sde } = ctx;
  const i = sde.timestep(t);
  const score = await ctx.score(x, t);
  if (sde instanceof VeSde) {
    const sigmas = sde.discreteSigmas;
    const s2 = sigmas[i]! ** 2;
    const p2 = i === 0 ? 0 : sigmas[i - 1]! ** 2;
    return noisyUpdate(x, x.data, s2 - p2, score, Math.sqrt((p2 * (s2 - p2)) / s2), ctx.rng);
  }
  if (sde instanceof VpSde) {
    const beta = sde.discreteBetas[i]!;
    const c = 1 / Math.sqrt(1 - beta);
    const base = new Float32Array(x.data.length);
    for (let k = 0; k < base.length; k++) base[k] = c * x.data[k]!;
    return noisyUpdate(x, base, beta * c, score, Math.sqrt(beta), ctx.rng);
  }
  throw new Error('ancestral sampling is defined for VE and VP SDEs only; use reverse_diffusion');
};

export const noStep: Step = async (_ctx, x) => ({ x, xMean: x });

export const PREDICTOR_STEPS = {
  reverse_diffusion: reverseDiffusion,
  euler_maruyama: eulerMaruyama,
  ancestral,
  none: noStep,
} as const;
