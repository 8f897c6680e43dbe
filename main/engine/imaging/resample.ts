/**
 * Separable resampling of planar float images. When shrinking, the kernel is stretched by the scale
 * factor so every source pixel contributes (antialiasing, as Pillow does); `box` is then exact area
 * averaging, which is what a coverage mask needs.
 */
export type Kernel = 'box' | 'linear' | 'cubic' | 'lanczos3';

const SUPPORT: Record<Kernel, number> = { box: 0.5, linear: 1, cubic: 2, lanczos3: 3 };

function weight(kernel: Kernel, x: number): number {
  const a = Math.abs(x);
  switch (kernel) {
    case 'box':
      return a < 0.5 ? 1 : 0;
    case 'linear':
      return a < 1 ? 1 - a : 0;
    case 'cubic': {
      // Keys with a = -0.5 (Catmull-Rom): interpolating and C1.
      if (a < 1) return 1.5 * a * a * a - 2.5 * a * a + 1;
      if (a < 2) return -0.5 * a * a * a + 2.5 * a * a - 4 * a + 2;
      return 0;
    }
    case 'lanczos3': {
      if (a === 0) return 1;
      if (a >= 3) return 0;
      const px = Math.PI * x;
      return (3 * Math.sin(px) * Math.sin(px / 3)) / (px * px);
    }
  }
}

interface Taps {
  start: Int32Array;
  count: Int32Array;
  width: number;
  weights: Float64Array;
}

/** For each output index: the first source index, the tap count and normalized weights. */
function taps(inSize: number, outSize: number, kernel: Kernel): Taps {
  const scale = inSize / outSize;
  const stretch = Math.max(1, scale);
  const support = SUPPORT[kernel] * stretch;
  const width = Math.ceil(support) * 2 + 2;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * width);
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const lo = Math.max(0, Math.floor(center - support));
    const hi = Math.min(inSize, Math.ceil(center + support));
    let sum = 0;
    let n = 0;
    for (let j = lo; j < hi && n < width; j++, n++) {
      let w: number;
      if (kernel === 'box') {
        // Exact overlap of source pixel [j, j+1) with the output pixel's footprint.
        const half = stretch / 2;
        w = Math.max(0, Math.min(j + 1, center + half) - Math.max(j, center - half));
      } else {
        w = weight(kernel, (j + 0.5 - center) / stretch);
      }
      weights[o * width + n] = w;
      sum += w;
    }
    if (sum === 0) {
      // An upscaled box whose footprint falls between pixel centres: take the nearest pixel.
      const j = Math.min(inSize - 1, Math.max(0, Math.floor(center)));
      start[o] = j;
      count[o] = 1;
      weights[o * width] = 1;
      continue;
    }
    start[o] = lo;
    count[o] = n;
    for (let k = 0; k < n; k++) weights[o * width + k]! /= sum;
  }
  return { start, count, width, weights };
}

/** Resizes `channels` planes of width x height to outWidth x outHeight. */
export function resizePlanes(
  src: Float32Array,
  channels: number,
  width: number,
  height: number,
  outWidth: number,
  outHeight: number,
  kernel: Kernel,
): Float32Array {
  if (src.length !== channels * width * height) {
    throw new Error(`resize: ${src.length} values is not ${channels}x${height}x${width}`);
  }
  if (!(
    outWidth >= 1 &&
    outHeight >= 1 &&
    Number.isInteger(outWidth) &&
    Number.isInteger(outHeight)
  )) {
    throw new Error(`resize: bad target size ${outWidth}x${outHeight}`);
  }
  if (outWidth === width && outHeight === height) return src.slice();
  const h = taps(width, outWidth, kernel);
  const v = taps(height, outHeight, kernel);
  // Horizontal first: it runs on `height` rows, the vertical pass then only on `outWidth` columns.
  const mid = new Float32Array(channels * height * outWidth);
  for (let row = 0; row < channels * height; row++) {
    const from = row * width;
    const to = row * outWidth;
    for (let o = 0; o < outWidth; o++) {
      const s = from + h.start[o]!;
      const wBase = o * h.width;
      let acc = 0;
      for (let k = 0, n = h.count[o]!; k < n; k++) acc += src[s + k]! * h.weights[wBase + k]!;
      mid[to + o] = acc;
    }
  }
  const out = new Float32Array(channels * outHeight * outWidth);
  const acc = new Float64Array(outWidth);
  for (let c = 0; c < channels; c++) {
    const planeIn = c * height * outWidth;
    const planeOut = c * outHeight * outWidth;
    for (let o = 0; o < outHeight; o++) {
      acc.fill(0);
      const wBase = o * v.width;
      for (let k = 0, n = v.count[o]!; k < n; k++) {
        const w = v.weights[wBase + k]!;
        const rowAt = planeIn + (v.start[o]! + k) * outWidth;
        for (let x = 0; x < outWidth; x++) acc[x]! += mid[rowAt + x]! * w;
      }
      const rowOut = planeOut + o * outWidth;
      for (let x = 0; x < outWidth; x++) out[rowOut + x] = acc[x]!;
    }
  }
  return out;
}

/** Clips every value into [lo, hi] in place (resampling kernels with negative lobes overshoot). */
export function clampInPlace(data: Float32Array, lo = 0, hi = 1): Float32Array {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    data[i] = v < lo ? lo : v > hi ? hi : v;
  }
  return data;
}
