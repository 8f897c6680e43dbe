import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../tensor.ts';
import { encodeGridPng, gridLayout } from './grid.ts';

async function decode(png: Buffer, gray = false) {
  // sharp decodes to sRGB unless asked to keep one channel.
  const image = gray ? sharp(png).toColourspace('b-w') : sharp(png);
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
  return { data, info, meta: await sharp(png).metadata() };
}

describe('gridLayout', () => {
  it('puts ceil(sqrt(N)) images in a row', () => {
    expect([1, 2, 4, 5, 9, 10, 16].map((n) => gridLayout(n))).toEqual([
      { columns: 1, rows: 1 },
      { columns: 2, rows: 1 },
      { columns: 2, rows: 2 },
      { columns: 3, rows: 2 },
      { columns: 3, rows: 3 },
      { columns: 4, rows: 3 },
      { columns: 4, rows: 4 },
    ]);
  });
});

describe('encodeGridPng', () => {
  it('writes gray images in a grid, mapping the model range to 0..255', async () => {
    // 5 images of 2x3: a 3x2 grid, 2-pixel gaps.
    const x: Tensor = { data: new Float32Array(30).fill(-1), shape: [5, 1, 2, 3] };
    x.data.set([-1, 0, 1, 2, -2, Number.NaN], 4 * 6); // the fifth image: row 1, column 1
    const { data, info, meta } = await decode(await encodeGridPng(x, [-1, 1]), true);
    expect(meta.channels).toBe(1);
    expect(meta.format).toBe('png');
    expect([info.width, info.height]).toEqual([3 * 3 + 2 * 2, 2 * 2 + 2]);
    const at = (row: number, col: number) => data[row * info.width + col];
    expect([at(4, 5), at(4, 6), at(4, 7), at(5, 5), at(5, 6), at(5, 7)]).toEqual([
      0, 128, 255, 255, 0, 0,
    ]);
    expect(at(0, 3)).toBe(0); // gap
    expect(at(4, 10)).toBe(0); // the empty sixth cell
  });

  it('writes RGB for three channels and a single image without gaps', async () => {
    const data = Float32Array.of(0, 0, 0, 0.5, 1, 1, 1, 0, 0, 0.25, 0.5, 0.75);
    const x: Tensor = { data, shape: [1, 3, 2, 2] };
    const out = await decode(await encodeGridPng(x, [0, 1]));
    expect(out.meta.channels).toBe(3);
    expect([out.info.width, out.info.height]).toEqual([2, 2]);
    expect(Array.from(out.data.subarray(0, 6))).toEqual([0, 255, 0, 0, 255, 64]);
  });

  it('refuses channel counts a PNG cannot show', async () => {
    const x: Tensor = { data: new Float32Array(8), shape: [1, 2, 2, 2] };
    await expect(encodeGridPng(x, [-1, 1])).rejects.toThrow(/1 or 3 channels, these images have 2/);
  });
});
