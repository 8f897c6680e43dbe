import { z } from 'zod';
import { flag, UsageError, validateFlags, type RawFlags } from '../cli/args.ts';
import { readNpy, writeNpy } from '../engine/io/npy.ts';
import { resolveModelDir } from '../engine/models-dir.ts';
import { resolvedSettings } from '../engine/samplers/index.ts';
import { loadModel } from '../engine/score/score-model.ts';
import { colorize } from '../engine/tasks/colorize.ts';
import { inpaint, inpaintSpec } from '../engine/tasks/inpaint.ts';
import { PAPER_SNR, posteriorStepsOf } from '../engine/samplers/spec.ts';
import type { TaskModel, TaskOptions, TaskResult } from '../engine/tasks/types.ts';
import { tensor } from '../engine/tensor.ts';
import {
  conditionalFields,
  conditionalFlags,
  samplerFields,
  samplerFlags,
  samplerSpec,
} from '../cli/sampler-flags.ts';

export const TASKS = ['inpaint', 'colorize'] as const;

export const conditionalMeanFlags = {
  model: { value: 'M', help: 'model id or folder' },
  task: { value: 'NAME', help: `${TASKS.join('|')} (default inpaint)` },
  images: {
    value: 'FILE',
    help:
      'inpaint: float32 [N,C,H,W] in the model range; colorize: float32 [N,1,H,W], the gray ' +
      'input (mean of R,G,B); `training.evaluate --write-tasks` writes both',
  },
  masks: { value: 'FILE', help: 'inpaint only: float32 [N,1,H,W], 1 = fill' },
  count: { value: 'K', help: 'use the first K images (default: all)' },
  n: { value: 'N', help: 'samples averaged per image (default 4)' },
  ...samplerFlags('default pc'),
  ...conditionalFlags,
  seed: { value: 'S', help: 'seed of image i is S + i (default 0)' },
  threads: { value: 'T', help: 'CPU threads (default 0 = all)' },
  out: { value: 'FILE', help: 'float32 [K,C,H,W]: the mean of the n samples of each image' },
  variance: {
    value: 'FILE',
    help:
      "float32 [K,C,H,W]: the estimated variance of each pixel of --out, the n samples' unbiased " +
      'variance / n (n >= 2); `training.evaluate --variance` subtracts it to score the posterior mean',
  },
} as const;

const schema = z.object({
  model: flag.text(),
  task: flag.choice(TASKS).default('inpaint'),
  images: flag.text(),
  masks: flag.text().optional(),
  count: flag.integer(1, 1_000_000).optional(),
  n: flag.integer(1, 256).default(4),
  ...samplerFields,
  ...conditionalFields,
  seed: flag.integer(0, Number.MAX_SAFE_INTEGER).default(0),
  threads: flag.integer(0, 256).default(0),
  out: flag.text(),
  variance: flag.text().optional(),
});

type Flags = z.output<typeof schema>;
/** One image's conditional sampling: image i of the input with the run's options. */
type Conditional = (i: number, o: TaskOptions) => Promise<TaskResult>;

function checkShape(what: string, got: readonly number[], want: readonly number[]): void {
  if (got.join() !== want.join()) {
    throw new UsageError(`${what}: expected [${want.join(',')}], got [${got.join(',')}]`);
  }
}

/**
 * The task as a function of the image index, after checking the input files against the model:
 * colorize reads the gray image that every RGB channel would have ([N,1,H,W]), inpaint the image and
 * its mask.
 */
async function conditional(
  f: Flags,
  model: TaskModel,
): Promise<{ count: number; run: Conditional }> {
  const [c, h, w] = model.shape;
  const images = await readNpy(f.images);
  const total = images.shape[0]!;
  const pick = (i: number, channels: number) => {
    const size = channels * h * w;
    return tensor(Float32Array.from(images.data.subarray(i * size, (i + 1) * size)), [
      1,
      channels,
      h,
      w,
    ]);
  };
  const count = Math.min(f.count ?? Infinity, total);
  if (f.task === 'colorize') {
    if (f.masks !== undefined) throw new UsageError('--masks is for --task inpaint only');
    if (c !== 3) {
      throw new UsageError(`--task colorize needs a 3-channel (RGB) model, this one has ${c}`);
    }
    checkShape('--images (gray)', images.shape, [total, 1, h, w]);
    return { count, run: (i, o) => colorize(model, pick(i, 1), o) };
  }
  if (f.masks === undefined) throw new UsageError('--task inpaint needs --masks');
  const masks = await readNpy(f.masks);
  checkShape('--images', images.shape, [total, c, h, w]);
  checkShape('--masks', masks.shape, [total, 1, h, w]);
  return {
    count,
    run: (i, o) =>
      inpaint(
        model,
        pick(i, c),
        Float32Array.from(masks.data.subarray(i * h * w, (i + 1) * h * w)),
        o,
      ),
  };
}

/**
 * Adds the per-pixel mean of n samples (`samples` [n, size]) into `mean` at `at`, and, when asked,
 * the unbiased estimate of that mean's variance, the samples' variance (ddof 1) / n: subtracting it
 * from the mean's squared error estimates the error of the posterior mean itself, which a perfect
 * sampler's mean of n misses by exactly that variance.
 */
export function pixelMoments(
  samples: Float32Array,
  n: number,
  size: number,
  at: number,
  mean: Float32Array,
  variance?: Float32Array,
): void {
  for (let j = 0; j < size; j++) {
    let sum = 0;
    for (let k = 0; k < n; k++) sum += samples[k * size + j]!;
    const m = sum / n;
    mean[at + j] = m;
    if (!variance) continue;
    let squares = 0;
    for (let k = 0; k < n; k++) squares += (samples[k * size + j]! - m) ** 2;
    variance[at + j] = squares / (n - 1) / n;
  }
}

/**
 * The mean of n conditional samples (inpaintings or colorizations) of each held-out image, at the
 * model's resolution: the estimate of E[x | known part] whose PSNR `training.evaluate --inpainted`
 * or `--colorized` compares with the harmonic-fill or gray baseline. Prints the network evaluations
 * per image and the seconds, so the metric comes with its cost.
 */
export async function conditionalMeanBench(
  raw: RawFlags,
  log: (line: string) => void,
): Promise<void> {
  const f = validateFlags(schema, raw);
  if (f.variance !== undefined && f.n < 2) {
    throw new UsageError('--variance needs --n 2 or more: one sample has no variance');
  }
  const model = await loadModel(await resolveModelDir(f.model), { threads: f.threads });
  try {
    const { count, run } = await conditional(f, model);
    const spec = samplerSpec(f, 'pc');
    const size = model.shape[0] * model.shape[1] * model.shape[2];
    const mean = new Float32Array(count * size);
    const variance =
      f.variance === undefined
        ? undefined
        : { path: f.variance, data: new Float32Array(count * size) };
    const start = performance.now();
    let nfe = 0;
    for (let i = 0; i < count; i++) {
      const r = await run(i, { spec, n: f.n, seed: f.seed + i });
      nfe += r.nfe;
      pixelMoments(r.x.data, f.n, size, i * size, mean, variance?.data);
    }
    await writeNpy(f.out, mean, [count, ...model.shape]);
    if (variance) await writeNpy(variance.path, variance.data, [count, ...model.shape]);
    log(
      JSON.stringify({
        task: f.task,
        images: count,
        n: f.n,
        sampler: spec.sampler,
        settings: resolvedSettings(spec, model.sde),
        ...(spec.sampler === 'pc'
          ? {
              corrector: spec.corrector,
              snr:
                (f.task === 'inpaint' ? inpaintSpec(spec, model.sde).snr : spec.snr) ?? PAPER_SNR,
              correctorSteps: spec.correctorSteps,
            }
          : {}),
        posteriorSteps: posteriorStepsOf(spec),
        // One batch of n samples per image: this is the cost of one image's n samples.
        nfe: nfe / count,
        seconds: (performance.now() - start) / 1000,
        out: f.out,
        ...(f.variance === undefined ? {} : { variance: f.variance }),
      }),
    );
  } finally {
    await model.dispose();
  }
}
