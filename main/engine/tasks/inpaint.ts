import { runSampler } from '../samplers/index.ts';
import { PAPER_SNR, type SamplerSpec } from '../samplers/spec.ts';
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

/** The PC steps at which the paper's snr was set (its SDEs' N). */
const PAPER_STEPS = 1000;

/**
 * Inpainting's Langevin corrector snr when the spec names none: the paper's 0.16 at its 1000 steps
 * and, at fewer steps, larger, so that steps x snr^2 (the corrector's total step size) stays the
 * same. The corrector is what repairs the replacement's bias (see below), and at 100 steps the
 * paper's snr leaves much of it: on the correlated Gaussian of inpaint.test.ts the fill's mean is
 * off by 0.068 at snr 0.16 and by 0.016 at 0.5, and on real models, PSNR of the mean of 4 fills of
 * 20 held-out images at 100 steps, snr 0.16 -> 0.5: cifar10-vp strokes (on 20 airplanes) 15.9 ->
 * 17.4 dB (harmonic fill 17.0), celeba32-vp strokes 16.7 -> 18.0 and boxes 17.8 -> 18.2; 1.0 was
 * worse again (16.5). At 1000 steps the paper's 0.16 is the better one (celeba32-vp strokes, 10
 * images: 19.0 dB, 18.7 at 0.5) (`npm run bench -- conditional-mean --snr X`). Colorization is hurt
 * (cifar10-vp, 20 test images of every class, mean of 8: 24.2 -> 22.5 dB at 0.5, the gray input
 * 23.9: the mean colour is 1.6 times as strong and no better placed) and keeps the paper's snr.
 *
 * The spec's corrector steps per predictor step default to the paper's one: a second one helps one
 * model and hurts another (20 stroke-masked test images, mean of 8, 100 steps: cifar10-vp 17.1 ->
 * 18.1 dB, harmonic fill 17.7; celeba32-vp 19.2 -> 18.5, and 18.5 at snr 0.35), and 150 or 200
 * steps of one do not match it on cifar10-vp (17.6, 17.7). So the count is measured per model and
 * task on tuning images (models/training/tune_corrector.py), and the editor's Fast preset takes it
 * from the manifest's `fastCorrector`.
 */
export function inpaintSnr(steps: number): number {
  return PAPER_SNR * Math.sqrt(PAPER_STEPS / steps);
}

/** The spec inpainting runs on this SDE: the given one, with inpaintSnr where it names no snr. */
export function inpaintSpec(spec: SamplerSpec, sde: Sde): SamplerSpec {
  return { ...spec, snr: spec.snr ?? inpaintSnr(spec.steps ?? sde.N) };
}

/**
 * Fills the masked pixels of `known` ([1,C,H,W] in the model's range) with n variants. `mask` has one
 * value per pixel (H*W), shared by all channels: >= 0.5 fills, below keeps (a soft mask is
 * thresholded; feathering belongs to the paste-back into the full photo).
 *
 * The paper's method: before every sampler step the kept pixels are replaced by a sample of the
 * forward process at that time, mean(t) known + std(t) z with fresh z; the unknown pixels then follow
 * the reverse dynamics of the joint score. The kept pixels of the result are the input's, exactly.
 *
 * The replacement is an approximation that the Langevin corrector of PC sampling repairs: on a
 * correlated Gaussian (inpaint.test.ts) pc lands on the exact conditional, while predictor-only PC
 * and every ODE solver recover only about half of the shift the known pixels imply, with 20-60% too
 * much variance. The posterior correction of the score (samplers/observed-score.ts, the spec's
 * posteriorSteps) supplies the missing term: with it every sampler lands on that conditional, and
 * on real models it lifts the ODE solvers' fills most and PC's too (figures at posteriorStepsOf).
 */
export async function inpaint(
  model: TaskModel,
  known: Tensor,
  mask: Float32Array,
  o: TaskOptions,
): Promise<TaskResult> {
  checkImage(model, known, 'the image to inpaint');
  const keep = keptIndices(model.shape, mask);
  const opts = runOptions(o);
  const x = model.sde.priorSample([o.n, ...model.shape], opts.rng);
  const constrain = forwardSampleAt(model.sde, known.data, keep, opts.rng);
  const obs = keptObservation(known.data, keep);
  const out = await runSampler(inpaintSpec(o.spec, model.sde), model.score, model.sde, x, {
    ...opts,
    constrain,
    guide: posteriorGuide(model.sde, obs, o.spec),
  });
  return { x: paste(out.x, known.data, keep), nfe: out.nfe };
}

/** Flat indices (within one image) of the kept values; refuses masks that leave nothing to do. */
function keptIndices(shape: TaskModel['shape'], mask: Float32Array): Int32Array {
  const [c, h, w] = shape;
  const pixels = h * w;
  if (mask.length !== pixels) {
    throw new Error(
      `the mask has ${mask.length} values, the model's ${w}x${h} image needs ${pixels}`,
    );
  }
  const keepPixels: number[] = [];
  for (let p = 0; p < pixels; p++) {
    const m = mask[p]!;
    if (!Number.isFinite(m)) throw new Error(`the mask has a non-finite value at pixel ${p}`);
    if (m < 0.5) keepPixels.push(p);
  }
  if (keepPixels.length === pixels) {
    throw new Error('the mask is empty: paint the region to fill');
  }
  if (keepPixels.length === 0) {
    throw new Error(
      'the mask covers the whole image: nothing is left to condition on (use sample)',
    );
  }
  const keep = new Int32Array(c * keepPixels.length);
  for (let ch = 0; ch < c; ch++) {
    keepPixels.forEach((p, i) => (keep[ch * keepPixels.length + i] = ch * pixels + p));
  }
  return keep;
}

/**
 * The constraint: the kept values of every batch item become mean(t) known + std(t) z, a fresh sample
 * of the forward process p_0t(x_t | known).
 */
export function forwardSampleAt(
  sde: Sde,
  known: Float32Array,
  keep: Int32Array,
  rng: GaussianRng,
): Constraint {
  return (x, t) => {
    const { mean, std } = sde.marginal(t);
    const size = known.length;
    const out = Float32Array.from(x.data);
    const z = rng.normal(x.shape[0] * keep.length);
    for (let b = 0, k = 0; b < x.shape[0]; b++) {
      for (const i of keep) out[b * size + i] = mean * known[i]! + std * z[k++]!;
    }
    return like(x, out);
  };
}

/** The kept values as the posterior correction's observation (observed-score.ts). */
function keptObservation(known: Float32Array, keep: Int32Array): Observation {
  const kept = new Uint8Array(known.length);
  for (const i of keep) kept[i] = 1;
  return {
    target: known.map((v, i) => (kept[i] ? v : 0)),
    project: (v) => v.map((e, i) => (kept[i % kept.length] ? e : 0)),
  };
}

function paste(x: Tensor, known: Float32Array, keep: Int32Array): Tensor {
  const out = Float32Array.from(x.data);
  for (let b = 0; b < x.shape[0]; b++) {
    for (const i of keep) out[b * known.length + i] = known[i]!;
  }
  return like(x, out);
}
