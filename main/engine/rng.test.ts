import { describe, expect, it } from 'vitest';
import { createRng } from './rng.ts';

describe('createRng', () => {
  it('gives the same bytes for the same seed', () => {
    const a = createRng(42).normal(1001);
    const b = createRng(42).normal(1001);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(Buffer.from(createRng(43).normal(1001).buffer).equals(Buffer.from(a.buffer))).toBe(
      false,
    );
  });

  it('draws standard normals', () => {
    const z = createRng(7).normal(200_000);
    let m = 0;
    let m2 = 0;
    let m4 = 0;
    for (const v of z) {
      m += v;
      m2 += v * v;
      m4 += v ** 4;
    }
    const n = z.length;
    expect(Math.abs(m / n)).toBeLessThan(0.01);
    expect(m2 / n).toBeGreaterThan(0.98);
    expect(m2 / n).toBeLessThan(1.02);
    expect(m4 / n).toBeGreaterThan(2.9);
    expect(m4 / n).toBeLessThan(3.1);
  });

  it('draws balanced Rademacher signs', () => {
    const r = createRng(9).rademacher(100_000);
    expect(r.every((v) => v === 1 || v === -1)).toBe(true);
    expect(Math.abs(r.reduce((a, v) => a + v, 0)) / r.length).toBeLessThan(0.02);
  });

  it('refuses bad seeds', () => {
    expect(() => createRng(-1)).toThrow(/seed/);
    expect(() => createRng(1.5)).toThrow(/seed/);
  });
});
