import sharp from 'sharp';
import { distanceToSet } from './distance.ts';
import { DEFAULT_MAX_PIXELS } from './image.ts';

/** One byte per pixel, row-major: 1 = fill (regenerate), 0 = keep. */
export interface BinaryMask {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** A connected (8-neighbour) region of the mask; the box is [x0, x1) x [y0, y1). */
export interface Island {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
  readonly pixels: number;
}

/**
 * Reads a mask painted for an image: white = fill. With an alpha channel, transparent counts as
 * "keep": the value is luminance x alpha, except when the colour is the same everywhere (a layer of
 * strokes in one colour), where alpha alone says what was painted. Binarized at 0.5.
 */
export async function readMask(
  input: string | Buffer,
  image: { readonly width: number; readonly height: number },
  name = typeof input === 'string' ? input : 'the mask',
): Promise<BinaryMask> {
  let decoded: { data: Buffer; info: sharp.OutputInfo };
  let hasAlpha: boolean;
  try {
    hasAlpha = (await sharp(input).metadata()).hasAlpha;
    decoded = await sharp(input, { limitInputPixels: DEFAULT_MAX_PIXELS, failOn: 'error' })
      .rotate()
      .toColourspace('srgb')
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new Error(
      `${name} is not a readable mask image: ${String((e as Error).message).split('\n')[0]}`,
    );
  }
  const { width, height, channels } = decoded.info;
  if (channels !== 4) throw new Error(`${name}: decoding gave ${channels} channels, expected RGBA`);
  const raw = decoded.data;
  const plane = width * height;
  const lum = new Float32Array(plane);
  for (let p = 0; p < plane; p++) lum[p] = (raw[4 * p]! + raw[4 * p + 1]! + raw[4 * p + 2]!) / 765;
  let uniform = hasAlpha;
  for (let p = 1; p < plane && uniform; p++) uniform = lum[p] === lum[0];
  const values = new Float32Array(plane);
  for (let p = 0; p < plane; p++) {
    const alpha = raw[4 * p + 3]! / 255;
    values[p] = uniform ? alpha : lum[p]! * alpha;
  }
  const mask = binarize(values, width, height);
  checkMask(mask, image);
  return mask;
}

/** 1 where the value is at least 0.5. */
export function binarize(values: Float32Array, width: number, height: number): BinaryMask {
  if (values.length !== width * height) {
    throw new Error(`mask values: ${values.length} is not ${width}x${height}`);
  }
  const data = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = values[i]! >= 0.5 ? 1 : 0;
  return { width, height, data };
}

/** The mask must match the image and leave both something to fill and something to condition on. */
export function checkMask(
  mask: BinaryMask,
  image: { readonly width: number; readonly height: number },
): void {
  if (mask.width !== image.width || mask.height !== image.height) {
    throw new Error(
      `mask is ${mask.width}x${mask.height} but the image is ${image.width}x${image.height}`,
    );
  }
  let set = 0;
  for (let i = 0; i < mask.data.length; i++) set += mask.data[i]!;
  if (set === 0) throw new Error('mask is empty: paint the area to fill');
  if (set === mask.data.length) {
    throw new Error('mask covers the whole image: nothing is left to condition on');
  }
}

/** 8-connected components with their bounding boxes, in scan order of their first pixel. */
export function findIslands(mask: BinaryMask): Island[] {
  const { width, height, data } = mask;
  const seen = new Uint8Array(data.length);
  const stack = new Int32Array(data.length);
  const islands: Island[] = [];
  for (let start = 0; start < data.length; start++) {
    if (!data[start] || seen[start]) continue;
    let top = 0;
    stack[top++] = start;
    seen[start] = 1;
    let x0 = width;
    let y0 = height;
    let x1 = 0;
    let y1 = 0;
    let pixels = 0;
    while (top > 0) {
      const p = stack[--top]!;
      const x = p % width;
      const y = (p - x) / width;
      pixels++;
      if (x < x0) x0 = x;
      if (x >= x1) x1 = x + 1;
      if (y < y0) y0 = y;
      if (y >= y1) y1 = y + 1;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const q = ny * width + nx;
          if (data[q] && !seen[q]) {
            seen[q] = 1;
            stack[top++] = q;
          }
        }
      }
    }
    islands.push({ x0, y0, x1, y1, pixels });
  }
  return islands;
}

/** Every pixel within `radius` (Euclidean) of a set pixel becomes set. */
export function dilate(mask: BinaryMask, radius: number): BinaryMask {
  if (radius <= 0) return { ...mask, data: mask.data.slice() };
  const distance = distanceToSet(mask.data, mask.width, mask.height);
  const data = new Uint8Array(distance.length);
  for (let i = 0; i < data.length; i++) data[i] = distance[i]! <= radius ? 1 : 0;
  return { width: mask.width, height: mask.height, data };
}
