/**
 * One engine job, inside the engine process: a validated work item run through the engine's tasks
 * and full-resolution imaging pipelines, its results encoded as PNG.
 */
import { encodeGif, encodeImage, makeImage, type RgbImage } from '../engine/imaging/image.ts';
import { colorizeImage, inpaintImage } from '../engine/imaging/fullres.ts';
import { fromModelTensor, toModelTensor } from '../engine/imaging/tensorize.ts';
import type { StepInfo } from '../engine/samplers/types.ts';
import type { ScoreModel } from '../engine/score/score-model.ts';
import { colorize } from '../engine/tasks/colorize.ts';
import { encode } from '../engine/tasks/encode.ts';
import { classIndexOf, generate } from '../engine/tasks/generate.ts';
import { inpaint } from '../engine/tasks/inpaint.ts';
import { interpolate } from '../engine/tasks/interpolate.ts';
import type { TaskOptions } from '../engine/tasks/types.ts';
import type { Tensor } from '../engine/tensor.ts';
import type { JobResult } from '../../preload/api.ts';
import type { EngineWork, ImagePayload } from './protocol.ts';

/** The parts of a loaded model a job uses. */
export type EngineModel = Pick<
  ScoreModel,
  'sde' | 'shape' | 'score' | 'manifest' | 'classifierGrad'
>;

export interface WorkProgress {
  /** Network evaluations of this job so far. */
  step: number;
  /** 0..1 over the whole job (all crops, or encode then decode). */
  fraction: number;
  /** Current estimate of the clean images at model size, for a preview. */
  preview?: Tensor;
}

export interface WorkContext {
  signal: AbortSignal;
  onProgress(p: WorkProgress): void;
}

export interface WorkOutput {
  results: JobResult[];
  nfe: number;
  gif?: Uint8Array;
}

/**
 * Progress over stages run one after another (crops of an inpainting, encode then decode): stage i
 * of count covers [i / count, (i + 1) / count]; steps add up over stages.
 */
class StagedProgress {
  private index = 0;
  private count = 1;
  private stepsBefore = 0;
  private stepsInStage = 0;

  constructor(private readonly ctx: WorkContext) {}

  enter(index: number, count: number): void {
    this.stepsBefore += this.stepsInStage;
    this.stepsInStage = 0;
    this.index = index;
    this.count = count;
  }

  readonly onStep = (info: StepInfo): void => {
    this.stepsInStage = info.nfe;
    this.ctx.onProgress({
      step: this.stepsBefore + info.nfe,
      fraction: Math.min(1, (this.index + info.progress) / this.count),
      ...(info.denoised ? { preview: info.denoised } : {}),
    });
  };
}

function toImage(p: ImagePayload): RgbImage {
  return makeImage(p.width, p.height, p.channels, p.data, {
    bitDepth: p.bitDepth,
    isGray: p.isGray,
    notes: p.notes,
  });
}

/** Refuses to turn a diverged run into flat gray pictures. */
function checkFinite(x: Tensor): void {
  const bad = x.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw new Error(
      `sampling produced non-finite values (${x.data[bad]}); try more steps or another sampler`,
    );
  }
}

async function pngResult(img: RgbImage): Promise<JobResult> {
  return { png: await encodeImage(img, 'png'), width: img.width, height: img.height };
}

/** Every item of a model-size batch as a PNG. */
async function batchResults(model: EngineModel, x: Tensor): Promise<JobResult[]> {
  checkFinite(x);
  const range = model.manifest.image.range;
  const items = Array.from({ length: x.shape[0] }, (_, i) => fromModelTensor(x, i, { range }));
  return Promise.all(items.map(pngResult));
}

/** A looping animation of model-size frames, 100 ms each. */
async function animatedGif(model: EngineModel, x: Tensor): Promise<Uint8Array> {
  const range = model.manifest.image.range;
  const frames = Array.from({ length: x.shape[0] }, (_, i) => fromModelTensor(x, i, { range }));
  return encodeGif(frames);
}

export async function runWork(
  work: EngineWork,
  model: EngineModel,
  ctx: WorkContext,
): Promise<WorkOutput> {
  const progress = new StagedProgress(ctx);
  const task = (n: number, seed: number): TaskOptions => ({
    spec: work.spec,
    n,
    seed,
    signal: ctx.signal,
    onStep: progress.onStep,
  });
  const range = model.manifest.image.range;
  switch (work.kind) {
    case 'generate': {
      const classIndex =
        work.classLabel === undefined ? undefined : classIndexOf(model, work.classLabel);
      const out = await generate(model, {
        ...task(work.n, work.seed),
        // Without a guidance of the user's, generate() takes the model's recommended one.
        ...(classIndex === undefined ? {} : { classIndex }),
        ...(work.guidance === undefined ? {} : { guidance: work.guidance }),
      });
      return { results: await batchResults(model, out.x), nfe: out.nfe };
    }
    case 'inpaint': {
      const out = await inpaintImage(toImage(work.image), work.mask, {
        shape: model.shape,
        range,
        n: work.n,
        seed: work.seed,
        signal: ctx.signal,
        ...(work.margin === undefined ? {} : { margin: work.margin }),
        ...(work.feather === undefined ? {} : { feather: work.feather }),
        onCrop: ({ index, count }) => progress.enter(index, count),
        task: async (known, mask, o) => {
          const result = await inpaint(model, known, mask, task(o.n, o.seed));
          checkFinite(result.x);
          return result;
        },
      });
      return { results: await Promise.all(out.images.map(pngResult)), nfe: out.nfe };
    }
    case 'colorize': {
      const out = await colorizeImage(toImage(work.image), {
        shape: model.shape,
        range,
        n: work.n,
        seed: work.seed,
        signal: ctx.signal,
        task: async (gray, o) => {
          const result = await colorize(model, gray, task(o.n, o.seed));
          checkFinite(result.x);
          return result;
        },
      });
      return { results: await Promise.all(out.images.map(pngResult)), nfe: out.nfe };
    }
    case 'interpolate': {
      let ends: Parameters<typeof interpolate>[1];
      let nfe = 0;
      if ('seeds' in work.ends) {
        ends = { seeds: work.ends.seeds };
      } else {
        // Both documents are encoded as one batch, then decoded along the path: two stages.
        progress.enter(0, 2);
        const [a, b] = work.ends.images.map((img) =>
          toModelTensor(toImage(img), model.shape, range),
        );
        const item = a!.data.length;
        const data = new Float32Array(2 * item);
        data.set(a!.data);
        data.set(b!.data, item);
        const both: Tensor = { data, shape: [2, ...model.shape] };
        const { rtol, atol } = work.spec;
        const coded = await encode(model, both, {
          rtol,
          atol,
          signal: ctx.signal,
          onStep: progress.onStep,
        });
        nfe += coded.nfe;
        const shape = [1, ...model.shape] as const;
        ends = {
          latents: [
            { data: coded.z.data.slice(0, item), shape },
            { data: coded.z.data.slice(item), shape },
          ],
        };
        progress.enter(1, 2);
      }
      const out = await interpolate(model, ends, work.frames, task(1, work.seed));
      return {
        results: await batchResults(model, out.x),
        nfe: nfe + out.nfe,
        gif: await animatedGif(model, out.x),
      };
    }
  }
}
