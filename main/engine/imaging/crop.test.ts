import { describe, expect, it } from 'vitest';
import { cropRect, defaultMargin, overlaps, planCrops, type Rect } from './crop.ts';
import type { Island } from './mask.ts';

const island = (x0: number, y0: number, x1: number, y1: number): Island => ({
  x0,
  y0,
  x1,
  y1,
  pixels: (x1 - x0) * (y1 - y0),
});
const image = { width: 4000, height: 3000 };
/** The crop holds the island and `margin` around it, as far as the image reaches. */
const contains = (r: Rect, i: Island, margin: number) =>
  r.x <= Math.max(0, i.x0 - margin) &&
  r.y <= Math.max(0, i.y0 - margin) &&
  r.x + r.width >= Math.min(image.width, i.x1 + margin) &&
  r.y + r.height >= Math.min(image.height, i.y1 + margin);

describe('crops around the mask', () => {
  it('scales the default margin down for small images', () => {
    expect(defaultMargin(image)).toBe(128);
    expect(defaultMargin({ width: 200, height: 100 })).toBe(50);
    expect(defaultMargin({ width: 2, height: 2 })).toBe(1);
  });

  it('adds the margin and grows to the model aspect around the island', () => {
    const hole = island(1000, 1000, 1100, 1040);
    const square = cropRect([hole], image, 1, 128);
    expect(square).toEqual({ x: 872, y: 842, width: 356, height: 356 });
    expect(contains(square, hole, 128)).toBe(true);
    const wide = cropRect([hole], image, 2, 128);
    expect(wide.width / wide.height).toBeCloseTo(2, 1);
    expect(contains(wide, hole, 128)).toBe(true);
  });

  it('moves crops inside the image and clamps them to it', () => {
    const corner = cropRect([island(0, 0, 10, 10)], image, 1, 128);
    expect(corner).toEqual({ x: 0, y: 0, width: 266, height: 266 });
    const edge = cropRect([island(3990, 2995, 4000, 3000)], image, 1, 128);
    expect(edge.x + edge.width).toBe(4000);
    expect(edge.y + edge.height).toBe(3000);
    // A strip 60 px high: the crop cannot be square, it takes all the height and box + margin wide.
    const strip = cropRect([island(500, 20, 540, 40)], { width: 1000, height: 60 }, 1, 128);
    expect(strip).toEqual({ x: 372, y: 0, width: 296, height: 60 });
  });

  it('merges islands whose crops overlap and keeps distant ones apart', () => {
    const near = planCrops(
      [island(1000, 1000, 1020, 1020), island(1200, 1000, 1220, 1020)],
      image,
      {
        aspect: 1,
        margin: 128,
      },
    );
    expect(near).toHaveLength(1);
    expect(near[0]!.islands).toHaveLength(2);
    const far = planCrops([island(100, 100, 120, 120), island(3000, 2000, 3020, 2020)], image, {
      aspect: 1,
      margin: 128,
    });
    expect(far).toHaveLength(2);
    // A chain: the third island's crop starts at 1385, right of the second's (ends at 1383) but
    // inside the crop of the first two merged (ends at 1388).
    const chain = planCrops(
      [
        island(1000, 1000, 1010, 1010),
        island(1250, 1000, 1260, 1010),
        island(1513, 1000, 1523, 1010),
      ],
      image,
      { aspect: 1, margin: 128 },
    );
    expect(chain).toHaveLength(1);
    for (const crops of [near, far, chain]) {
      for (const [i, a] of crops.entries()) {
        for (const isl of a.islands) expect(contains(a.rect, isl, 128)).toBe(true);
        for (const b of crops.slice(i + 1)) expect(overlaps(a.rect, b.rect)).toBe(false);
      }
    }
  });
});
