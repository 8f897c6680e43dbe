/**
 * Exact Euclidean distance from every pixel to the nearest set pixel of a binary image
 * (Felzenszwalb & Huttenlocher, "Distance Transforms of Sampled Functions", 2012): two passes of a
 * 1-D lower-envelope-of-parabolas transform, linear in the number of pixels.
 * Pixels of an image with no set pixel get Infinity.
 */
export function distanceToSet(set: Uint8Array, width: number, height: number): Float32Array {
  if (set.length !== width * height) {
    throw new Error(`distance transform: ${set.length} pixels is not ${width}x${height}`);
  }
  const size = Math.max(width, height);
  const f = new Float64Array(size);
  const d = new Float64Array(size);
  const v = new Int32Array(size);
  const z = new Float64Array(size + 1);
  const sq = new Float64Array(width * height);
  for (let i = 0; i < sq.length; i++) sq[i] = set[i] ? 0 : Infinity;

  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) f[y] = sq[y * width + x]!;
    envelope(f, height, d, v, z);
    for (let y = 0; y < height; y++) sq[y * width + x] = d[y]!;
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) f[x] = sq[row + x]!;
    envelope(f, width, d, v, z);
    for (let x = 0; x < width; x++) out[row + x] = Math.sqrt(d[x]!);
  }
  return out;
}

/** d[q] = min_p (q - p)^2 + f[p] over p < n; infinite samples take no part. */
function envelope(
  f: Float64Array,
  n: number,
  d: Float64Array,
  v: Int32Array,
  z: Float64Array,
): void {
  let k = -1;
  for (let q = 0; q < n; q++) {
    const fq = f[q]!;
    if (fq === Infinity) continue;
    while (k >= 0) {
      const p = v[k]!;
      const s = (fq + q * q - (f[p]! + p * p)) / (2 * q - 2 * p);
      if (s <= z[k]!) {
        k--;
      } else {
        k++;
        v[k] = q;
        z[k] = s;
        z[k + 1] = Infinity;
        break;
      }
    }
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
    }
  }
  if (k < 0) {
    d.fill(Infinity, 0, n);
    return;
  }
  let j = 0;
  for (let q = 0; q < n; q++) {
    while (z[j + 1]! < q) j++;
    const p = v[j]!;
    d[q] = (q - p) * (q - p) + f[p]!;
  }
}
