import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { binarize, dilate, findIslands, readMask, type BinaryMask } from './mask.ts';

/** An 8-bit gray PNG with value 255 inside the given rectangles. */
async function maskPng(
  w: number,
  h: number,
  rects: [number, number, number, number][],
  value = 255,
): Promise<Buffer> {
  const raw = Buffer.alloc(w * h);
  for (const [x0, y0, x1, y1] of rects) {
    for (let y = y0; y < y1; y++) raw.fill(value, y * w + x0, y * w + x1);
  }
  return sharp(raw, { raw: { width: w, height: h, channels: 1 } })
    .png()
    .toBuffer();
}

function count(mask: BinaryMask): number {
  return mask.data.reduce((a, b) => a + b, 0);
}

describe('readMask', () => {
  it('reads white as fill and binarizes at 0.5', async () => {
    const m = await readMask(await maskPng(20, 10, [[2, 3, 6, 5]]), { width: 20, height: 10 });
    expect(count(m)).toBe(8);
    expect(m.data[3 * 20 + 2]).toBe(1);
    expect(m.data[3 * 20 + 6]).toBe(0);
    const img = { width: 4, height: 1 };
    expect(() => binarize(Float32Array.from([0.49, 0.5, 0.51, 1]), 4, 1)).not.toThrow();
    expect([
      ...binarize(Float32Array.from([0.49, 0.5, 0.51, 0]), img.width, img.height).data,
    ]).toEqual([0, 1, 1, 0]);
    const dark = await maskPng(20, 10, [[0, 0, 10, 10]], 127);
    await expect(readMask(dark, { width: 20, height: 10 })).rejects.toThrow(/mask is empty/);
  });

  it('says what is wrong with the mask', async () => {
    const png = await maskPng(800, 600, [[10, 10, 20, 20]]);
    await expect(readMask(png, { width: 4000, height: 3000 })).rejects.toThrow(
      'mask is 800x600 but the image is 4000x3000',
    );
    await expect(readMask(await maskPng(8, 8, []), { width: 8, height: 8 })).rejects.toThrow(
      'mask is empty: paint the area to fill',
    );
    await expect(
      readMask(await maskPng(8, 8, [[0, 0, 8, 8]]), { width: 8, height: 8 }),
    ).rejects.toThrow('mask covers the whole image: nothing is left to condition on');
    await expect(
      readMask(Buffer.from('garbage'), { width: 8, height: 8 }, 'm.png'),
    ).rejects.toThrow(/m\.png is not a readable mask image/);
  });

  it('honours alpha: transparent keeps, painted strokes fill whatever their colour', async () => {
    const strokes = (colour: number) => {
      const raw = Buffer.alloc(10 * 10 * 4);
      for (let y = 2; y < 5; y++) {
        for (let x = 2; x < 6; x++) raw.set([colour, colour, colour, 255], (y * 10 + x) * 4);
      }
      return sharp(raw, { raw: { width: 10, height: 10, channels: 4 } })
        .png()
        .toBuffer();
    };
    for (const colour of [0, 255]) {
      const m = await readMask(await strokes(colour), { width: 10, height: 10 });
      expect(count(m)).toBe(12);
      expect(m.data[2 * 10 + 2]).toBe(1);
    }
  });
});

describe('islands and dilation', () => {
  const grid = (rows: string[]): BinaryMask => ({
    width: rows[0]!.length,
    height: rows.length,
    data: Uint8Array.from(rows.join('').split(''), (ch) => (ch === '#' ? 1 : 0)),
  });

  it('finds 8-connected islands with their boxes', () => {
    const islands = findIslands(
      grid([
        '##.......', //
        '..#....#.',
        '.......##',
        '.........',
        '....#....',
      ]),
    );
    expect(islands).toEqual([
      { x0: 0, y0: 0, x1: 3, y1: 2, pixels: 3 },
      { x0: 7, y0: 1, x1: 9, y1: 3, pixels: 3 },
      { x0: 4, y0: 4, x1: 5, y1: 5, pixels: 1 },
    ]);
  });

  it('dilates by a Euclidean radius', () => {
    const m = grid(['.......', '.......', '...#...', '.......', '.......']);
    const d = dilate(m, 2);
    // Radius 2 disk: 13 pixels (the corners at distance sqrt(8) stay out).
    expect(count(d)).toBe(13);
    expect(d.data[0 * 7 + 3]).toBe(1);
    expect(d.data[0 * 7 + 2]).toBe(0);
    expect(count(dilate(m, 0))).toBe(1);
  });
});
