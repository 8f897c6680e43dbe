import { describe, expect, it } from 'vitest';
import { distanceToSet } from './distance.ts';

function bruteForce(set: Uint8Array, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h).fill(Infinity);
  for (let p = 0; p < w * h; p++) {
    for (let q = 0; q < w * h; q++) {
      if (!set[q]) continue;
      const dx = (p % w) - (q % w);
      const dy = Math.floor(p / w) - Math.floor(q / w);
      out[p] = Math.min(out[p]!, Math.sqrt(dx * dx + dy * dy));
    }
  }
  return out;
}

describe('distanceToSet', () => {
  it('matches brute force on random sparse masks', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (const [w, h, density] of [
      [13, 9, 0.05],
      [1, 17, 0.2],
      [20, 20, 0.01],
      [16, 5, 0.5],
    ] as const) {
      const set = Uint8Array.from({ length: w * h }, () => (rand() < density ? 1 : 0));
      set[Math.floor(rand() * w * h)] = 1;
      const got = distanceToSet(set, w, h);
      const want = bruteForce(set, w, h);
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    }
  });

  it('is infinite everywhere without set pixels', () => {
    expect([...distanceToSet(new Uint8Array(6), 3, 2)].every((v) => v === Infinity)).toBe(true);
    expect(() => distanceToSet(new Uint8Array(5), 3, 2)).toThrow(/is not 3x2/);
  });
});
