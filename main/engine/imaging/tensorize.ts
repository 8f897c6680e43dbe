import { tensor, type Tensor } from '../tensor.ts';
import { makeImage, type RgbImage } from './image.ts';
import { clampInPlace, resizePlanes, type Kernel } from './resample.ts';

export type Range = readonly [number, number];
export const MODEL_RANGE: Range = [-1, 1];

/**
 * Luminance as the decoupled colour space defines it (channel 0 of color.ts divided by sqrt(3)):
 * the plain mean of R, G and B. One definition across the layer, so that colorization can
 * promise "the input's luminance, exactly".
 */
export function luminance(rgb: Float32Array, pixels: number): Float32Array {
  if (rgb.length !== 3 * pixels)
    throw new Error(`luminance: ${rgb.length} values is not 3x${pixels}`);
  const out = new Float32Array(pixels);
  for (let p = 0; p < pixels; p++) out[p] = (rgb[p]! + rgb[pixels + p]! + rgb[2 * pixels + p]!) / 3;
  return out;
}

/** 1 -> 3 replicates the plane, 3 -> 1 takes the luminance, equal counts copy. */
export function convertChannels(
  planes: Float32Array,
  from: number,
  to: number,
  pixels: number,
): Float32Array {
  if (planes.length !== from * pixels) {
    throw new Error(`convertChannels: ${planes.length} values is not ${from}x${pixels}`);
  }
  if (from === to) return planes.slice();
  if (from === 1 && to === 3) {
    const out = new Float32Array(3 * pixels);
    for (let c = 0; c < 3; c++) out.set(planes, c * pixels);
    return out;
  }
  if (from === 3 && to === 1) return luminance(planes, pixels);
  throw new Error(`cannot convert ${from} channels to ${to}`);
}

/** [0, 1] planes -> the model's channels, size and range, clipped to the range first. */
export function planesToModel(
  planes: Float32Array,
  channels: number,
  width: number,
  height: number,
  shape: readonly [number, number, number],
  range: Range = MODEL_RANGE,
  kernel: Kernel = 'lanczos3',
): Float32Array {
  const [c, h, w] = shape;
  const resized = clampInPlace(resizePlanes(planes, channels, width, height, w, h, kernel));
  const out = convertChannels(resized, channels, c, w * h);
  const [lo, hi] = range;
  for (let i = 0; i < out.length; i++) out[i] = lo + out[i]! * (hi - lo);
  return out;
}

/** The whole image as a [1, C, H, W] tensor at the model's resolution (stretched to its aspect). */
export function toModelTensor(
  img: RgbImage,
  shape: readonly [number, number, number],
  range: Range = MODEL_RANGE,
  kernel: Kernel = 'lanczos3',
): Tensor {
  const data = planesToModel(img.data, img.channels, img.width, img.height, shape, range, kernel);
  return tensor(data, [1, shape[0], shape[1], shape[2]]);
}

/**
 * Item `index` of a model-range batch as [0, 1] planes with `channels` channels, resized to
 * width x height and clipped to [0, 1].
 */
export function modelToPlanes(
  x: Tensor,
  index: number,
  channels: number,
  width: number,
  height: number,
  range: Range = MODEL_RANGE,
  kernel: Kernel = 'lanczos3',
): Float32Array {
  const [n, c, h, w] = x.shape;
  if (!Number.isInteger(index) || index < 0 || index >= n) {
    throw new Error(`item ${index} is not in a batch of ${n}`);
  }
  const [lo, hi] = range;
  const item = x.data.slice(index * c * h * w, (index + 1) * c * h * w);
  for (let i = 0; i < item.length; i++) {
    const v = (item[i]! - lo) / (hi - lo);
    // A NaN from a broken model must not spread through resampling into whole rows.
    item[i] = Number.isNaN(v) ? 0 : v;
  }
  const converted = convertChannels(item, c, channels, h * w);
  return clampInPlace(resizePlanes(converted, channels, w, h, width, height, kernel));
}

/** Item `index` of a batch as an image of the given size and channels (default: the model's). */
export function fromModelTensor(
  x: Tensor,
  index: number,
  options: {
    width?: number;
    height?: number;
    channels?: 1 | 3;
    range?: Range;
    kernel?: Kernel;
  } = {},
): RgbImage {
  const [, c, h, w] = x.shape;
  const channels = options.channels ?? (c === 1 ? 1 : 3);
  const width = options.width ?? w;
  const height = options.height ?? h;
  const data = modelToPlanes(x, index, channels, width, height, options.range, options.kernel);
  return makeImage(width, height, channels, data, { isGray: channels === 1 });
}
