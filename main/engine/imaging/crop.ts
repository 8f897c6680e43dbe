import type { Island } from './mask.ts';

/** A pixel rectangle [x, x + width) x [y, y + height). */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface Crop {
  readonly rect: Rect;
  readonly islands: readonly Island[];
}

export interface Size {
  readonly width: number;
  readonly height: number;
}

/**
 * Context around a hole, in full-size pixels: 128, or a quarter of the image's longer side when
 * that is less, so a small image is not cropped to (nearly) all of itself around a speck.
 */
export function defaultMargin(image: Size): number {
  return Math.max(1, Math.round(Math.min(128, 0.25 * Math.max(image.width, image.height))));
}

/**
 * The region handed to the model for one group of islands: their joint bounding box plus
 * `margin` on every side, grown on its short side to the model's aspect (width / height), moved
 * inside the image and clamped to it. Where clamping breaks the aspect, the long side shrinks back
 * towards it, but never below box + margin, so the model may see a slightly stretched crop.
 */
export function cropRect(
  islands: readonly Island[],
  image: Size,
  aspect: number,
  margin: number,
): Rect {
  if (islands.length === 0) throw new Error('cropRect needs at least one island');
  const bx0 = Math.min(...islands.map((i) => i.x0));
  const by0 = Math.min(...islands.map((i) => i.y0));
  const bx1 = Math.max(...islands.map((i) => i.x1));
  const by1 = Math.max(...islands.map((i) => i.y1));
  const minW = Math.min(image.width, bx1 - bx0 + 2 * margin);
  const minH = Math.min(image.height, by1 - by0 + 2 * margin);
  let w = bx1 - bx0 + 2 * margin;
  let h = by1 - by0 + 2 * margin;
  if (w / h < aspect) w = Math.round(h * aspect);
  else h = Math.round(w / aspect);
  w = Math.min(w, image.width);
  h = Math.min(h, image.height);
  if (w / h > aspect) w = Math.max(minW, Math.min(w, Math.round(h * aspect)));
  else if (w / h < aspect) h = Math.max(minH, Math.min(h, Math.round(w / aspect)));
  const place = (lo: number, hi: number, size: number, limit: number) =>
    Math.min(limit - size, Math.max(0, Math.round((lo + hi - size) / 2)));
  return {
    x: place(bx0, bx1, w, image.width),
    y: place(by0, by1, h, image.height),
    width: w,
    height: h,
  };
}

export function overlaps(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/**
 * One crop per group of islands whose crops would overlap; islands far apart get crops of their
 * own, so each hole is seen at the best resolution the model allows. Merging repeats until no two
 * crops overlap (a merged crop is larger and may reach a third), so the crops are disjoint and
 * every island lies in exactly one. Quadratic in the number of groups per merge: meant for masks
 * of tens to hundreds of strokes.
 */
export function planCrops(
  islands: readonly Island[],
  image: Size,
  options: { aspect: number; margin: number },
): Crop[] {
  const { aspect, margin } = options;
  if (!(aspect > 0) || !(margin >= 0)) {
    throw new Error(`planCrops: bad aspect ${aspect} or margin ${margin}`);
  }
  let crops: Crop[] = islands.map((island) => ({
    rect: cropRect([island], image, aspect, margin),
    islands: [island],
  }));
  let merged = true;
  while (merged) {
    merged = false;
    search: for (let i = 0; i < crops.length; i++) {
      for (let j = i + 1; j < crops.length; j++) {
        if (!overlaps(crops[i]!.rect, crops[j]!.rect)) continue;
        const joined = [...crops[i]!.islands, ...crops[j]!.islands];
        const crop = { rect: cropRect(joined, image, aspect, margin), islands: joined };
        crops = [...crops.slice(0, i), crop, ...crops.slice(i + 1, j), ...crops.slice(j + 1)];
        merged = true;
        break search;
      }
    }
  }
  return crops;
}
