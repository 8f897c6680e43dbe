import { createRng, type GaussianRng } from '../rng.ts';
import type { SamplerOptions, StepInfo } from '../samplers/types.ts';
import type { SamplerSpec } from '../samplers/spec.ts';
import type { ScoreModel } from '../score/score-model.ts';
import type { Tensor } from '../tensor.ts';

/** What every sampling task takes: the sampler, how many variants, and the seed that fixes them. */
export interface TaskOptions {
  spec: SamplerSpec;
  /** Number of variants (the batch size). */
  n: number;
  seed: number;
  signal?: AbortSignal;
  onStep?: (info: StepInfo) => void;
}

export interface TaskResult {
  /** [n, C, H, W] in the model's range. */
  x: Tensor;
  /** Network evaluations (one per call on the whole batch). */
  nfe: number;
}

/**
 * The part of a loaded model the tasks use, so that tests can hand them an analytic score instead
 * of an ONNX session.
 */
export type TaskModel = Pick<ScoreModel, 'sde' | 'shape' | 'score'>;

/** Checks n and seed and builds the sampler options of one run; the rng is the run's only noise. */
export function runOptions(o: TaskOptions): SamplerOptions & { rng: GaussianRng } {
  if (!Number.isInteger(o.n) || o.n < 1) {
    throw new Error(`the number of variants must be a positive integer, got ${o.n}`);
  }
  return { rng: createRng(o.seed), signal: o.signal, onStep: o.onStep };
}

/** [C, H, W] of a single image tensor, checked against the model's. */
export function checkImage(model: TaskModel, x: Tensor, what: string, channels?: number): void {
  const [, c, h, w] = x.shape;
  const [mc, mh, mw] = model.shape;
  const want = channels ?? mc;
  if (x.shape[0] !== 1 || c !== want || h !== mh || w !== mw) {
    throw new Error(
      `${what} must be one image of shape [1,${want},${mh},${mw}] (the model's resolution), ` +
        `got [${x.shape.join(',')}]`,
    );
  }
  const bad = x.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`${what} has a non-finite value (${x.data[bad]}) at index ${bad}`);
}

/** A batch of images of the model's [C, H, W] with finite values. */
export function checkBatch(model: TaskModel, x: Tensor): void {
  const [, c, h, w] = x.shape;
  const [mc, mh, mw] = model.shape;
  if (c !== mc || h !== mh || w !== mw) {
    throw new Error(`expected images of shape [B,${mc},${mh},${mw}], got [${x.shape.join(',')}]`);
  }
  const bad = x.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0)
    throw new Error(`the input has a non-finite value (${x.data[bad]}) at index ${bad}`);
}
