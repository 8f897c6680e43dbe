import { tensor, type Tensor } from '../tensor.ts';
import { DECOUPLE, toDecoupled } from './color.ts';
import { defaultMargin, planCrops, type Rect } from './crop.ts';
import { distanceToSet } from './distance.ts';
import { featherAlpha, pasteFeathered } from './feather.ts';
import { makeImage, type RgbImage } from './image.ts';
import { checkMask, findIslands, type BinaryMask } from './mask.ts';
import { resizePlanes } from './resample.ts';
import { luminance, MODEL_RANGE, modelToPlanes, planesToModel, type Range } from './tensorize.ts';

/** What a full-resolution pipeline passes to the model-resolution task (a subset of TaskOptions). */
export interface PipelineTaskOptions {
  n: number;
  seed: number;
  signal?: AbortSignal;
}

export interface TaskOutput {
  /** [n, C, H, W] in the model's range. */
  x: Tensor;
  nfe: number;
}

/** known: [1, C, H, W] in the model's range; mask: H*W, 1 = fill. */
export type InpaintTask = (
  known: Tensor,
  mask: Float32Array,
  o: PipelineTaskOptions,
) => Promise<TaskOutput>;

/** gray: [1, 1, H, W] in the model's range; returns [n, 3, H, W]. */
export type ColorizeTask = (gray: Tensor, o: PipelineTaskOptions) => Promise<TaskOutput>;

interface CommonOptions {
  /** The model's [C, H, W]. */
  shape: readonly [number, number, number];
  range?: Range;
  n?: number;
  seed?: number;
  signal?: AbortSignal;
}

export interface InpaintImageOptions extends CommonOptions {
  task: InpaintTask;
  /** Context around each hole in full-size pixels; default `defaultMargin`. */
  margin?: number;
  /** Growth of the painted mask before it is regenerated (catches anti-aliased stroke edges). */
  dilate?: number;
  /** Width of the blend band outside the regenerated region. */
  feather?: number;
  onCrop?: (info: { index: number; count: number; rect: Rect }) => void;
}

export interface PipelineResult {
  images: RgbImage[];
  nfe: number;
}

/**
 * Defaults scale with the margin so that dilate + feather always fits inside it: the blend band
 * of a hole then never reaches the edge of its crop, where it would be cut.
 */
export function pasteDefaults(margin: number): { dilate: number; feather: number } {
  return {
    dilate: Math.min(4, Math.floor(margin / 8)),
    feather: Math.min(12, Math.floor(margin / 4)),
  };
}

function checkCount(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`n must be a positive integer, got ${n}`);
}

function checkOutput(
  out: TaskOutput,
  n: number,
  c: number,
  h: number,
  w: number,
  what: string,
): void {
  const [on, oc, oh, ow] = out.x.shape;
  if (on !== n || oc !== c || oh !== h || ow !== w) {
    throw new Error(
      `${what} task returned [${out.x.shape.join(',')}], expected [${n},${c},${h},${w}]`,
    );
  }
}

/** The planar pixels of `rect`. */
function cropPlanes(data: Float32Array, image: RgbImage, rect: Rect): Float32Array {
  const out = new Float32Array(image.channels * rect.width * rect.height);
  for (let c = 0; c < image.channels; c++) {
    for (let y = 0; y < rect.height; y++) {
      const from = (c * image.height + rect.y + y) * image.width + rect.x;
      out.set(data.subarray(from, from + rect.width), (c * rect.height + y) * rect.width);
    }
  }
  return out;
}

function cropMask(mask: BinaryMask, rect: Rect): Uint8Array {
  const out = new Uint8Array(rect.width * rect.height);
  for (let y = 0; y < rect.height; y++) {
    const from = (rect.y + y) * mask.width + rect.x;
    out.set(mask.data.subarray(from, from + rect.width), y * rect.width);
  }
  return out;
}

/**
 * Inpaints a full-size image with a small model: each group of mask islands is cropped with
 * context, shrunk to the model's size, filled there by `task`, enlarged back and pasted through a
 * feathered mask. Pixels farther than dilate + feather from the mask keep their decoded values
 * bit for bit. Returns n images of the input's size.
 */
export async function inpaintImage(
  image: RgbImage,
  mask: BinaryMask,
  o: InpaintImageOptions,
): Promise<PipelineResult & { crops: Rect[] }> {
  const n = o.n ?? 1;
  checkCount(n);
  checkMask(mask, image);
  const [c, h, w] = o.shape;
  const range = o.range ?? MODEL_RANGE;
  const margin = o.margin ?? defaultMargin(image);
  const defaults = pasteDefaults(margin);
  const dilate = o.dilate ?? defaults.dilate;
  const feather = o.feather ?? defaults.feather;
  if (dilate + feather > margin) {
    throw new Error(`dilate (${dilate}) + feather (${feather}) must fit in the margin (${margin})`);
  }
  const crops = planCrops(findIslands(mask), image, { aspect: w / h, margin });
  const outputs = Array.from({ length: n }, () => image.data.slice());
  let nfe = 0;
  for (const [index, { rect }] of crops.entries()) {
    o.signal?.throwIfAborted();
    o.onCrop?.({ index, count: crops.length, rect });
    const distance = distanceToSet(cropMask(mask, rect), rect.width, rect.height);
    const regenerate = new Float32Array(distance.length);
    for (let i = 0; i < distance.length; i++) regenerate[i] = distance[i]! <= dilate ? 1 : 0;
    const shrinking = rect.width >= w && rect.height >= h;
    // Area averaging keeps the old content of the hole out of model pixels that do not touch it.
    const known = planesToModel(
      cropPlanes(image.data, image, rect),
      image.channels,
      rect.width,
      rect.height,
      o.shape,
      range,
      shrinking ? 'box' : 'cubic',
    );
    // A model pixel that sees any regenerated source pixel is regenerated: were it kept as known,
    // the content being removed would condition the fill.
    const coverage = resizePlanes(regenerate, 1, rect.width, rect.height, w, h, 'box');
    const modelMask = coverage.map((v) => (v > 1e-6 ? 1 : 0));
    const out = await o.task(tensor(known, [1, c, h, w]), modelMask, {
      n,
      seed: (o.seed ?? 0) + index,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    checkOutput(out, n, c, h, w, 'inpaint');
    nfe += out.nfe;
    const alpha = featherAlpha(distance, dilate, feather);
    for (let k = 0; k < n; k++) {
      const fill = modelToPlanes(
        out.x,
        k,
        image.channels,
        rect.width,
        rect.height,
        range,
        'lanczos3',
      );
      pasteFeathered(outputs[k]!, image, rect, fill, alpha);
    }
  }
  const note = `inpainted ${crops.length} crop(s) at ${w}x${h}`;
  const images = outputs.map((data) =>
    makeImage(image.width, image.height, image.channels, data, {
      bitDepth: image.bitDepth,
      // A colour model may well have put colour into the equal channels of a gray RGB file.
      isGray: image.channels === 1,
      notes: [...image.notes, note],
      ...(image.source !== undefined ? { source: image.source } : {}),
      ...(image.icc ? { icc: image.icc } : {}),
    }),
  );
  return { images, nfe, crops: crops.map((crop) => crop.rect) };
}

export type ColorizeImageOptions = CommonOptions & { task: ColorizeTask };

/**
 * Colorizes at full resolution: the model runs on the downsized luminance; only the chroma of its
 * result (decoupled channels 1-2) is enlarged, and recombined with the input's own full-size
 * luminance. Where luminance + chroma leaves [0, 1], the chroma is scaled down on that pixel, so
 * every output pixel's mean of R, G, B equals the input's luminance.
 */
export async function colorizeImage(
  image: RgbImage,
  o: ColorizeImageOptions,
): Promise<PipelineResult> {
  const n = o.n ?? 1;
  checkCount(n);
  const [c, h, w] = o.shape;
  if (c !== 3) throw new Error(`colorization needs a 3-channel model, this one has ${c}`);
  const range = o.range ?? MODEL_RANGE;
  const pixels = image.width * image.height;
  const lum = image.channels === 1 ? image.data : luminance(image.data, pixels);
  const gray = planesToModel(lum, 1, image.width, image.height, [1, h, w], range);
  const out = await o.task(tensor(gray, [1, 1, h, w]), {
    n,
    seed: o.seed ?? 0,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  checkOutput(out, n, 3, h, w, 'colorize');
  const [lo, hi] = range;
  const modelPixels = h * w;
  const images: RgbImage[] = [];
  for (let k = 0; k < n; k++) {
    const rgb = out.x.data.slice(k * 3 * modelPixels, (k + 1) * 3 * modelPixels);
    for (let i = 0; i < rgb.length; i++) rgb[i] = (rgb[i]! - lo) / (hi - lo);
    const chroma = toDecoupled(rgb, modelPixels).subarray(modelPixels);
    for (let i = 0; i < chroma.length; i++) if (!Number.isFinite(chroma[i]!)) chroma[i] = 0;
    const up = resizePlanes(chroma, 2, w, h, image.width, image.height, 'cubic');
    images.push(
      makeImage(image.width, image.height, 3, recombine(lum, up, pixels), {
        bitDepth: image.bitDepth,
        isGray: false,
        notes: [
          ...image.notes,
          `colorized at ${w}x${h}, chroma enlarged to ${image.width}x${image.height}`,
        ],
        ...(image.source !== undefined ? { source: image.source } : {}),
        ...(image.icc ? { icc: image.icc } : {}),
      }),
    );
  }
  return { images, nfe: out.nfe };
}

/** rgb = luminance + s * chroma offset, with the largest s <= 1 that keeps every channel in [0, 1]. */
function recombine(lum: Float32Array, chroma: Float32Array, pixels: number): Float32Array {
  const out = new Float32Array(3 * pixels);
  const delta = [0, 0, 0];
  for (let p = 0; p < pixels; p++) {
    const y = Math.min(1, Math.max(0, lum[p]!));
    const c1 = chroma[p]!;
    const c2 = chroma[pixels + p]!;
    let s = 1;
    for (let j = 0; j < 3; j++) {
      const d = c1 * DECOUPLE[j]![1]! + c2 * DECOUPLE[j]![2]!;
      delta[j] = d;
      if (y + s * d > 1) s = (1 - y) / d;
      else if (y + s * d < 0) s = -y / d;
    }
    // The clip only catches rounding at the gamut edge (~1e-7), not colour.
    for (let j = 0; j < 3; j++) out[j * pixels + p] = Math.min(1, Math.max(0, y + s * delta[j]!));
  }
  return out;
}
