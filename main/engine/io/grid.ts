import { writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { Tensor } from '../tensor.ts';

/** Pixels between the images of a grid (and none around a single image). */
const GAP = 2;

/** Layout of N images: rows of ceil(sqrt(N)), so the grid is roughly square. */
export function gridLayout(n: number): { columns: number; rows: number } {
  const columns = Math.max(1, Math.ceil(Math.sqrt(n)));
  return { columns, rows: Math.max(1, Math.ceil(n / columns)) };
}

/**
 * The images of a batch in the model's range as one 8-bit PNG: gray for 1 channel, RGB for 3.
 * Values outside the range are clipped; gaps are black.
 */
export async function encodeGridPng(x: Tensor, range: readonly [number, number]): Promise<Buffer> {
  const [n, c, h, w] = x.shape;
  if (c !== 1 && c !== 3) {
    throw new Error(`a PNG holds 1 or 3 channels, these images have ${c}; write .npy instead`);
  }
  const [lo, hi] = range;
  const { columns, rows } = gridLayout(n);
  const width = columns * w + (columns - 1) * GAP;
  const height = rows * h + (rows - 1) * GAP;
  const pixels = Buffer.alloc(width * height * c);
  const plane = h * w;
  for (let k = 0; k < n; k++) {
    const left = (k % columns) * (w + GAP);
    const top = Math.floor(k / columns) * (h + GAP);
    const base = k * c * plane;
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        const out = ((top + y) * width + left + xx) * c;
        for (let ch = 0; ch < c; ch++) {
          const v = (x.data[base + ch * plane + y * w + xx]! - lo) / (hi - lo);
          // NaN maps to 0 rather than poisoning the whole image.
          pixels[out + ch] = Number.isNaN(v) ? 0 : Math.round(Math.min(1, Math.max(0, v)) * 255);
        }
      }
    }
  }
  return sharp(pixels, { raw: { width, height, channels: c } })
    .toColourspace(c === 1 ? 'b-w' : 'srgb')
    .png()
    .toBuffer();
}

export async function writeGridPng(
  path: string,
  x: Tensor,
  range: readonly [number, number],
): Promise<void> {
  await writeFile(path, await encodeGridPng(x, range));
}
