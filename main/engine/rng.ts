/**
 * Seeded Gaussian noise. xoshiro128** (32-bit state words, exact in JavaScript integer arithmetic)
 * feeds a Box-Muller transform, so the same seed gives the same bytes on every platform and run.
 */
export interface GaussianRng {
  /** n independent standard normal samples. */
  normal(n: number): Float32Array;
  /** n independent Rademacher (+1/-1) samples. */
  rademacher(n: number): Float32Array;
  /** Uniform in [0, 1). */
  uniform(): number;
}

export function createRng(seed: number): GaussianRng {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new Error(`seed must be a non-negative integer, got ${seed}`);
  }
  const s = seedState(seed);
  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  };
  // 53-bit uniform in (0, 1): never 0, so log() in Box-Muller is finite.
  const uniformOpen = (): number =>
    ((nextU32() >>> 5) * 67108864 + (nextU32() >>> 6) + 0.5) / 2 ** 53;
  return {
    normal(n) {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i += 2) {
        const r = Math.sqrt(-2 * Math.log(uniformOpen()));
        const theta = 2 * Math.PI * uniformOpen();
        out[i] = r * Math.cos(theta);
        if (i + 1 < n) out[i + 1] = r * Math.sin(theta);
      }
      return out;
    },
    rademacher(n) {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i += 32) {
        const bits = nextU32();
        for (let j = 0; j < 32 && i + j < n; j++) out[i + j] = (bits >>> j) & 1 ? 1 : -1;
      }
      return out;
    },
    uniform() {
      return uniformOpen();
    },
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** splitmix32 spreads the seed over the four state words; the state is never all zero. */
function seedState(seed: number): Uint32Array {
  const s = new Uint32Array(4);
  let z = (seed ^ Math.floor(seed / 2 ** 32)) >>> 0;
  for (let i = 0; i < 4; i++) {
    z = (z + 0x9e3779b9) >>> 0;
    let v = z;
    v = Math.imul(v ^ (v >>> 16), 0x85ebca6b) >>> 0;
    v = Math.imul(v ^ (v >>> 13), 0xc2b2ae35) >>> 0;
    s[i] = (v ^ (v >>> 16)) >>> 0;
  }
  if (s.every((w) => w === 0)) s[0] = 1;
  return s;
}
