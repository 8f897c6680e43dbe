import type { Tensor } from '../tensor.ts';
import type { GaussianRng } from '../rng.ts';

/**
 * The score of the perturbed data distribution, grad_x log p_t(x), for every item of a batch at one
 * continuous time t. Conditioning (classifier guidance, inpainting constraints) wraps this function.
 */
export type ScoreFn = (x: Tensor, t: number) => Promise<Float32Array>;

export interface StepInfo {
  /** Network evaluations so far in this run. */
  nfe: number;
  /** Progress in [0, 1] when the sampler knows its length; adaptive solvers report the time reached. */
  progress: number;
  t: number;
  x: Tensor;
  /** Best current guess of the clean image (x_mean or the denoised estimate), for previews. */
  denoised?: Tensor;
}

/**
 * Puts the known part of a conditional task back into the state at time t (inpainting replaces the
 * unmasked pixels by a forward-process sample of the known image, colorization the luminance).
 * Every sampler applies it at the start of each step, which is what makes each task "a sampler plus
 * a constraint".
 */
export type Constraint = (x: Tensor, t: number) => Tensor;

export interface SamplerOptions {
  rng: GaussianRng;
  signal?: AbortSignal;
  onStep?: (info: StepInfo) => void;
  constrain?: Constraint;
  /** Conditioning that needs the counted network itself (several evaluations per score). */
  guide?: (score: ScoreFn) => ScoreFn;
}

/** The identity when no constraint is set. */
export function constrained(o: SamplerOptions, x: Tensor, t: number): Tensor {
  return o.constrain ? o.constrain(x, t) : x;
}

export interface SamplerResult {
  x: Tensor;
  nfe: number;
}
