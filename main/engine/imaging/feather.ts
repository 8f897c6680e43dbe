import type { Rect } from './crop.ts';

/**
 * The blend weight of the generated fill, from each pixel's Euclidean distance to the painted mask:
 * 1 within `dilate` (the region that was regenerated), then a smoothstep down to exactly 0 at
 * `dilate + feather`. Distance is 1-Lipschitz, so neighbouring weights differ by at most
 * 1.5 * sqrt(2) / feather: the seam has no step. Separate from the mask the model denoises, which
 * only has to cover the pixels that are regenerated.
 */
export function featherAlpha(
  distance: Float32Array,
  dilate: number,
  feather: number,
): Float32Array {
  if (!(dilate >= 0) || !(feather >= 0)) {
    throw new Error(`feather: bad dilate ${dilate} or feather ${feather}`);
  }
  const alpha = new Float32Array(distance.length);
  for (let i = 0; i < distance.length; i++) {
    const d = distance[i]! - dilate;
    if (d <= 0) alpha[i] = 1;
    else if (d < feather) {
      const t = d / feather;
      alpha[i] = 1 - t * t * (3 - 2 * t);
    }
  }
  return alpha;
}

/**
 * out = src (1 - a) + fill a inside `rect` of a planar [channels, height, width] image, in place.
 * Pixels with a = 0 are not written at all, so they keep the exact values they were decoded with.
 */
export function pasteFeathered(
  target: Float32Array,
  image: { readonly width: number; readonly height: number; readonly channels: number },
  rect: Rect,
  fill: Float32Array,
  alpha: Float32Array,
): void {
  const { width, height, channels } = image;
  const size = rect.width * rect.height;
  if (fill.length !== channels * size || alpha.length !== size) {
    throw new Error(
      `paste: fill has ${fill.length} values and alpha ${alpha.length}, the ${rect.width}x${rect.height} crop needs ${channels * size} and ${size}`,
    );
  }
  if (rect.x < 0 || rect.y < 0 || rect.x + rect.width > width || rect.y + rect.height > height) {
    throw new Error(
      `paste: crop ${rect.width}x${rect.height}+${rect.x}+${rect.y} is outside the image`,
    );
  }
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < rect.height; y++) {
      const row = (c * height + rect.y + y) * width + rect.x;
      const from = y * rect.width;
      for (let x = 0; x < rect.width; x++) {
        const a = alpha[from + x]!;
        if (a === 0) continue;
        const at = row + x;
        const f = fill[c * size + from + x]!;
        target[at] = a === 1 ? f : target[at]! * (1 - a) + f * a;
      }
    }
  }
}
