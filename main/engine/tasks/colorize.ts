import { fromDecoupled, toDecoupled } from '../imaging/color.ts';
import { runSampler } from '../samplers/index.ts';
import { posteriorGuide, type Observation } from '../samplers/observed-score.ts';
import type { Constraint } from '../samplers/types.ts';
import type { GaussianRng } from '../rng.ts';
import type { Sde } from '../sde/sde.ts';
import { like, type Tensor } from '../tensor.ts';
import {
  checkImage,
  runOptions,
  type TaskModel,
  type TaskOptions,
  type TaskResult,
} from './types.ts';

/**
 * Colors a gray image ([1,1,H,W] in the model's range, the value every RGB channel would have) with n
 * variants from a 3-channel model. It works in the decoupled color space of imaging/color.ts, whose
 * channel 0 is sqrt(3) gray: that channel is the known part, replaced before every sampler step by
 * a forward-process sample of it (the inpainting constraint in another basis: the basis is orthogonal,
 * so the forward noise stays isotropic). The result's luminance, (r+g+b)/3, is the input's.
 */
export async function colorize(
  model: TaskModel,
  gray: Tensor,
  o: TaskOptions,
): Promise<TaskResult> {
  if (model.shape[0] !== 3) {
    throw new Error(
      `colorization needs a 3-channel (RGB) model, this one has ${model.shape[0]} channel(s)`,
    );
  }
  checkImage(model, gray, 'the gray image', 1);
  const opts = runOptions(o);
  const luma = gray.data.map((v) => Math.sqrt(3) * v);
  const x = model.sde.priorSample([o.n, ...model.shape], opts.rng);
  const constrain = luminanceAt(model.sde, luma, opts.rng);
  const out = await runSampler(o.spec, model.score, model.sde, x, {
    ...opts,
    constrain,
    guide: posteriorGuide(model.sde, grayObservation(gray.data), o.spec),
  });
  return { x: withLuminance(out.x, luma, 1, 0), nfe: out.nfe };
}

/**
 * The gray image as the posterior correction's observation (observed-score.ts): the projection of
 * each pixel's RGB onto (1,1,1)/sqrt(3), which keeps its channel mean in every channel.
 */
function grayObservation(gray: Float32Array): Observation {
  const pixels = gray.length;
  return {
    target: Float32Array.from({ length: 3 * pixels }, (_, i) => gray[i % pixels]!),
    project(v) {
      const out = new Float32Array(v.length);
      for (let base = 0; base < v.length; base += 3 * pixels) {
        for (let p = 0; p < pixels; p++) {
          const i = base + p;
          const m = (v[i]! + v[i + pixels]! + v[i + 2 * pixels]!) / 3;
          out[i] = out[i + pixels] = out[i + 2 * pixels] = m;
        }
      }
      return out;
    },
  };
}

function luminanceAt(sde: Sde, luma: Float32Array, rng: GaussianRng): Constraint {
  return (x, t) => {
    const { mean, std } = sde.marginal(t);
    return withLuminance(x, luma, mean, std, rng.normal(x.shape[0] * luma.length));
  };
}

/** Sets decoupled channel 0 of every item to mean luma + std z (z absent: no noise). */
function withLuminance(
  x: Tensor,
  luma: Float32Array,
  mean: number,
  std: number,
  z?: Float32Array,
): Tensor {
  const pixels = luma.length;
  const d = toDecoupled(x.data, pixels);
  for (let b = 0; b < x.shape[0]; b++) {
    const base = 3 * pixels * b;
    for (let p = 0; p < pixels; p++) {
      d[base + p] = mean * luma[p]! + (z ? std * z[b * pixels + p]! : 0);
    }
  }
  return like(x, fromDecoupled(d, pixels));
}
