/**
 * The decoupled color space of the paper's colorization experiment: an orthogonal 3x3 matrix whose
 * first column is 1/sqrt(3) on each channel, so channel 0 of rgb·M is the (scaled) luminance and
 * channels 1-2 carry only chroma. Orthogonal, so the inverse is the transpose and the map keeps
 * Gaussian noise Gaussian (the forward process commutes with it).
 */
const A = 1 / Math.sqrt(3);
const B = 1 / Math.sqrt(2);
const C = 1 / Math.sqrt(6);
export const DECOUPLE: readonly (readonly [number, number, number])[] = [
  [A, -B, C],
  [A, 0, -2 * C],
  [A, B, C],
];

/** rgb·M for every pixel of a planar [3,H,W] (or [N,3,H,W]) array; returns new planes. */
export function toDecoupled(rgb: Float32Array, pixels: number): Float32Array {
  return mix(rgb, pixels, (i, j) => DECOUPLE[i]![j]!);
}

/** The inverse map, rgb = d·M^T. */
export function fromDecoupled(d: Float32Array, pixels: number): Float32Array {
  return mix(d, pixels, (i, j) => DECOUPLE[j]![i]!);
}

/** out[j] = sum_i in[i] m(i, j), per pixel, over consecutive [3, pixels] blocks. */
function mix(src: Float32Array, pixels: number, m: (i: number, j: number) => number): Float32Array {
  const block = 3 * pixels;
  if (src.length % block !== 0) {
    throw new Error(`expected planar RGB data of ${pixels} pixels, got ${src.length} values`);
  }
  const out = new Float32Array(src.length);
  for (let base = 0; base < src.length; base += block) {
    for (let p = 0; p < pixels; p++) {
      const c0 = src[base + p]!;
      const c1 = src[base + pixels + p]!;
      const c2 = src[base + 2 * pixels + p]!;
      for (let j = 0; j < 3; j++) {
        out[base + j * pixels + p] = c0 * m(0, j) + c1 * m(1, j) + c2 * m(2, j);
      }
    }
  }
  return out;
}
