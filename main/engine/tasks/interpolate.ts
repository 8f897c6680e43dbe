import { createRng } from '../rng.ts';
import { runSampler } from '../samplers/index.ts';
import { tensor, type Tensor } from '../tensor.ts';
import { checkBatch, type TaskModel, type TaskOptions, type TaskResult } from './types.ts';

/** Below this angle (radians) slerp's 1/sin(angle) loses precision and lerp is as good. */
const PARALLEL_ANGLE = 1e-4;

/**
 * Spherical interpolation between latents z0 and z1 (same shape [B,C,H,W], each item separately),
 * `frames` points from z0 to z1 inclusive, frame-major: [frames * B, C, H, W]. Prior samples live
 * near a sphere of radius priorStd sqrt(D); slerp stays near it where lerp would cut through the
 * low-norm interior, which decodes to washed-out images.
 */
export function slerp(z0: Tensor, z1: Tensor, frames: number): Tensor {
  if (z0.shape.join() !== z1.shape.join()) {
    throw new Error(`latents differ in shape: [${z0.shape.join(',')}] and [${z1.shape.join(',')}]`);
  }
  if (!Number.isInteger(frames) || frames < 2) {
    throw new Error(`interpolation needs at least 2 frames, got ${frames}`);
  }
  const [b, c, h, w] = z0.shape;
  const size = c * h * w;
  const out = new Float32Array(frames * b * size);
  for (let item = 0; item < b; item++) {
    const a = z0.data.subarray(item * size, (item + 1) * size);
    const e = z1.data.subarray(item * size, (item + 1) * size);
    let dot = 0;
    let na = 0;
    let ne = 0;
    for (let i = 0; i < size; i++) {
      dot += a[i]! * e[i]!;
      na += a[i]! * a[i]!;
      ne += e[i]! * e[i]!;
    }
    const cos = na > 0 && ne > 0 ? dot / Math.sqrt(na * ne) : 1;
    const angle = Math.acos(Math.min(1, Math.max(-1, cos)));
    for (let f = 0; f < frames; f++) {
      const s = f / (frames - 1);
      const [wa, we] =
        angle < PARALLEL_ANGLE
          ? [1 - s, s]
          : [Math.sin((1 - s) * angle) / Math.sin(angle), Math.sin(s * angle) / Math.sin(angle)];
      const base = (f * b + item) * size;
      for (let i = 0; i < size; i++) out[base + i] = wa * a[i]! + we * e[i]!;
    }
  }
  return tensor(out, [frames * b, c, h, w]);
}

export type InterpolationEnds = { seeds: [number, number] } | { latents: [Tensor, Tensor] };

/**
 * Decodes `frames` latents on the slerp path between two ends: the prior samples that two seeds
 * draw, or two latent codes (from `encode`). The frames are decoded together through the
 * probability-flow ODE by the spec's solver (any ODE sampler; no final denoising, so encoded ends
 * come back as the images they encode). `o.n` is ignored: the batch is the frames.
 */
export async function interpolate(
  model: TaskModel,
  ends: InterpolationEnds,
  frames: number,
  o: Omit<TaskOptions, 'n'>,
): Promise<TaskResult> {
  if (o.spec.sampler === 'pc') {
    throw new Error(
      'interpolation decodes latents through the deterministic probability-flow ODE: ' +
        'choose ode, euler, heun, dpm++2m, dpm++3m or heun-karras instead of pc',
    );
  }
  const prior = (seed: number) => model.sde.priorSample([1, ...model.shape], createRng(seed));
  const [z0, z1] = 'seeds' in ends ? [prior(ends.seeds[0]), prior(ends.seeds[1])] : ends.latents;
  for (const z of [z0, z1]) {
    checkBatch(model, z);
    if (z.shape[0] !== 1) throw new Error('interpolation takes one latent at each end');
  }
  const path = slerp(z0, z1, frames);
  return runSampler({ ...o.spec, denoise: false }, model.score, model.sde, path, {
    rng: createRng(o.seed),
    signal: o.signal,
    onStep: o.onStep,
  });
}
