import { tensor, type Tensor } from '../tensor.ts';
import type { GaussianRng } from '../rng.ts';
import type { ScoreFn } from '../samplers/types.ts';

export type SdeType = 've' | 'vp' | 'subvp';

/** Perturbation kernel p_0t(x_t | x_0) = N(mean * x_0, std^2 I). */
export interface Marginal {
  mean: number;
  std: number;
}

/** One step of the discretized forward process: x_{i+1} = x_i + f_i + G_i z. */
export interface Discretized {
  f: Float32Array;
  G: number;
}

export interface ReverseDrift {
  drift: Float32Array;
  diffusion: number;
  score: Float32Array;
}

export interface ReverseDiscretized extends Discretized {
  score: Float32Array;
}

/** Reverse-time SDE (probabilityFlow=false) or probability-flow ODE (true) of a forward SDE. */
export interface ReverseSde {
  readonly probabilityFlow: boolean;
  readonly forward: Sde;
  sde(x: Tensor, t: number): Promise<ReverseDrift>;
  discretize(x: Tensor, t: number): Promise<ReverseDiscretized>;
}

/**
 * A forward SDE dx = f(x,t) dt + g(t) dw with t in [0, T], after sde_lib.py of score_sde. All three
 * SDEs of the paper have a drift linear in x, f(x,t) = driftCoef(t) x, which lets every coefficient
 * be a plain number and keeps the pixel loops trivial.
 */
export abstract class Sde {
  readonly T = 1;
  abstract readonly type: SdeType;

  constructor(
    /** Number of discretization steps. */
    readonly N: number,
    /** Smallest time the samplers integrate to (t=0 is singular for the score). */
    readonly eps: number,
  ) {
    if (!Number.isInteger(N) || N < 1)
      throw new Error(`SDE N must be a positive integer, got ${N}`);
    if (!(eps > 0 && eps < 1)) throw new Error(`SDE eps must be in (0, 1), got ${eps}`);
  }

  abstract driftCoef(t: number): number;
  abstract diffusion(t: number): number;
  abstract marginal(t: number): Marginal;
  /** Standard deviation of the Gaussian prior p_T. */
  abstract readonly priorStd: number;
  /** The same SDE discretized with another number of steps. */
  abstract withSteps(N: number): Sde;

  sde(x: Float32Array, t: number): { drift: Float32Array; diffusion: number } {
    return { drift: scale(x, this.driftCoef(t)), diffusion: this.diffusion(t) };
  }

  priorSample(shape: Tensor['shape'], rng: GaussianRng): Tensor {
    const z = rng.normal(shape[0] * shape[1] * shape[2] * shape[3]);
    return tensor(scaleInPlace(z, this.priorStd), shape);
  }

  /** log p_T(z) per batch item, in nats. */
  priorLogp(z: Tensor): Float64Array {
    const [b] = z.shape;
    const d = z.data.length / b;
    const s2 = this.priorStd * this.priorStd;
    const out = new Float64Array(b);
    for (let i = 0; i < b; i++) {
      let ss = 0;
      for (let j = i * d; j < (i + 1) * d; j++) ss += z.data[j]! * z.data[j]!;
      out[i] = (-d / 2) * Math.log(2 * Math.PI * s2) - ss / (2 * s2);
    }
    return out;
  }

  /** Index of the discrete step that time t falls in, as in score_sde: floor(t (N-1) / T). */
  timestep(t: number): number {
    return Math.min(this.N - 1, Math.max(0, Math.floor((t * (this.N - 1)) / this.T)));
  }

  /** Euler-Maruyama discretization; VE and VP override it with SMLD and DDPM. */
  discretize(x: Float32Array, t: number): Discretized {
    const dt = 1 / this.N;
    return { f: scale(x, this.driftCoef(t) * dt), G: this.diffusion(t) * Math.sqrt(dt) };
  }

  /** The alpha_i of the Langevin corrector's step size: 1 - beta_i for VP and sub-VP, 1 for VE. */
  langevinAlpha(_t: number): number {
    return 1;
  }

  reverse(score: ScoreFn, probabilityFlow: boolean): ReverseSde {
    const forward = this as Sde;
    const weight = probabilityFlow ? 0.5 : 1;
    return {
      probabilityFlow,
      forward,
      async sde(x, t) {
        const s = await score(x, t);
        const g = forward.diffusion(t);
        const a = forward.driftCoef(t);
        const gg = g * g * weight;
        const drift = new Float32Array(x.data.length);
        for (let i = 0; i < drift.length; i++) drift[i] = a * x.data[i]! - gg * s[i]!;
        return { drift, diffusion: probabilityFlow ? 0 : g, score: s };
      },
      async discretize(x, t) {
        const s = await score(x, t);
        const { f, G } = forward.discretize(x.data, t);
        const gg = G * G * weight;
        for (let i = 0; i < f.length; i++) f[i] = f[i]! - gg * s[i]!;
        return { f, G: probabilityFlow ? 0 : G, score: s };
      },
    };
  }
}

export class VeSde extends Sde {
  readonly type = 've';
  readonly discreteSigmas: Float64Array;

  constructor(
    readonly sigmaMin: number,
    readonly sigmaMax: number,
    N: number,
    eps: number,
  ) {
    super(N, eps);
    if (!(sigmaMin > 0 && sigmaMax > sigmaMin)) {
      throw new Error(`VE SDE needs 0 < sigma_min < sigma_max, got ${sigmaMin}, ${sigmaMax}`);
    }
    this.discreteSigmas = geomspace(sigmaMin, sigmaMax, N);
  }

  get priorStd(): number {
    return this.sigmaMax;
  }

  sigma(t: number): number {
    return this.sigmaMin * Math.pow(this.sigmaMax / this.sigmaMin, t);
  }

  driftCoef(): number {
    return 0;
  }

  diffusion(t: number): number {
    return this.sigma(t) * Math.sqrt(2 * Math.log(this.sigmaMax / this.sigmaMin));
  }

  marginal(t: number): Marginal {
    return { mean: 1, std: this.sigma(t) };
  }

  /** SMLD: G_i = sqrt(sigma_i^2 - sigma_{i-1}^2). */
  override discretize(x: Float32Array, t: number): Discretized {
    const i = this.timestep(t);
    const sigma = this.discreteSigmas[i]!;
    const prev = i === 0 ? 0 : this.discreteSigmas[i - 1]!;
    return { f: new Float32Array(x.length), G: Math.sqrt(sigma * sigma - prev * prev) };
  }

  withSteps(N: number): VeSde {
    return new VeSde(this.sigmaMin, this.sigmaMax, N, this.eps);
  }
}

/** Shared by VP and sub-VP: the linear beta schedule and its DDPM discretization. */
abstract class BetaSde extends Sde {
  readonly discreteBetas: Float64Array;

  constructor(
    readonly betaMin: number,
    readonly betaMax: number,
    N: number,
    eps: number,
  ) {
    super(N, eps);
    if (!(betaMin > 0 && betaMax > betaMin)) {
      throw new Error(`beta schedule needs 0 < beta_min < beta_max, got ${betaMin}, ${betaMax}`);
    }
    // Each discrete beta_i = beta(t)/N must stay below 1, or the DDPM step takes sqrt(1 - beta_i) < 0.
    if (betaMax / N >= 1) {
      throw new Error(
        `a beta_max of ${betaMax} needs more than ${Math.floor(betaMax)} steps, got ${N}`,
      );
    }
    this.discreteBetas = linspace(betaMin / N, betaMax / N, N);
  }

  get priorStd(): number {
    return 1;
  }

  beta(t: number): number {
    return this.betaMin + t * (this.betaMax - this.betaMin);
  }

  /** log of the marginal mean coefficient, -int_0^t beta(s) ds / 2. */
  logMeanCoef(t: number): number {
    return -0.25 * t * t * (this.betaMax - this.betaMin) - 0.5 * t * this.betaMin;
  }

  driftCoef(t: number): number {
    return -0.5 * this.beta(t);
  }

  override langevinAlpha(t: number): number {
    return 1 - this.discreteBetas[this.timestep(t)]!;
  }
}

export class VpSde extends BetaSde {
  readonly type = 'vp';

  diffusion(t: number): number {
    return Math.sqrt(this.beta(t));
  }

  marginal(t: number): Marginal {
    const lmc = this.logMeanCoef(t);
    return { mean: Math.exp(lmc), std: Math.sqrt(-Math.expm1(2 * lmc)) };
  }

  /** DDPM: f_i = (sqrt(1 - beta_i) - 1) x, G_i = sqrt(beta_i). */
  override discretize(x: Float32Array, t: number): Discretized {
    const beta = this.discreteBetas[this.timestep(t)]!;
    return { f: scale(x, Math.sqrt(1 - beta) - 1), G: Math.sqrt(beta) };
  }

  withSteps(N: number): VpSde {
    return new VpSde(this.betaMin, this.betaMax, N, this.eps);
  }
}

export class SubVpSde extends BetaSde {
  readonly type = 'subvp';

  diffusion(t: number): number {
    const discount = -Math.expm1(-2 * this.betaMin * t - (this.betaMax - this.betaMin) * t * t);
    return Math.sqrt(this.beta(t) * discount);
  }

  marginal(t: number): Marginal {
    const lmc = this.logMeanCoef(t);
    return { mean: Math.exp(lmc), std: -Math.expm1(2 * lmc) };
  }

  withSteps(N: number): SubVpSde {
    return new SubVpSde(this.betaMin, this.betaMax, N, this.eps);
  }
}

function scale(x: Float32Array, c: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = c * x[i]!;
  return out;
}

function scaleInPlace(x: Float32Array, c: number): Float32Array {
  for (let i = 0; i < x.length; i++) x[i] = c * x[i]!;
  return x;
}

function linspace(a: number, b: number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = n === 1 ? a : a + ((b - a) * i) / (n - 1);
  return out;
}

function geomspace(a: number, b: number, n: number): Float64Array {
  return linspace(Math.log(a), Math.log(b), n).map(Math.exp);
}
