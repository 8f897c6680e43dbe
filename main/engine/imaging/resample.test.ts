import { describe, expect, it } from 'vitest';
import { clampInPlace, resizePlanes, type Kernel } from './resample.ts';

const KERNELS: Kernel[] = ['box', 'linear', 'cubic', 'lanczos3'];

describe('resizePlanes', () => {
  it.each(KERNELS)('%s keeps a constant image constant, shrinking and enlarging', (kernel) => {
    const src = new Float32Array(2 * 37 * 23).fill(0.3);
    src.fill(0.7, 37 * 23);
    for (const [w, h] of [
      [5, 4],
      [80, 51],
      [37, 9],
    ] as const) {
      const out = resizePlanes(src, 2, 37, 23, w, h, kernel);
      expect(out.length).toBe(2 * w * h);
      for (let i = 0; i < w * h; i++) {
        expect(out[i]).toBeCloseTo(0.3, 5);
        expect(out[w * h + i]).toBeCloseTo(0.7, 5);
      }
    }
  });

  it('box shrinking is exact area averaging, also for fractional factors', () => {
    const src = Float32Array.from({ length: 6 }, (_, i) => i);
    expect([...resizePlanes(src, 1, 6, 1, 3, 1, 'box')]).toEqual([0.5, 2.5, 4.5]);
    // 6 -> 4: each output covers 1.5 source pixels.
    const out = resizePlanes(src, 1, 6, 1, 4, 1, 'box');
    const expected = [
      (0 + 0.5 * 1) / 1.5,
      (0.5 * 1 + 2) / 1.5,
      (3 + 0.5 * 4) / 1.5,
      (0.5 * 4 + 5) / 1.5,
    ];
    out.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
  });

  it('linear enlarging of a ramp stays a ramp away from the edges', () => {
    const src = Float32Array.from({ length: 10 }, (_, i) => i / 9);
    const out = resizePlanes(src, 1, 10, 1, 40, 1, 'linear');
    for (let o = 4; o < 36; o++) {
      const sourceX = (o + 0.5) / 4 - 0.5;
      expect(out[o]).toBeCloseTo(sourceX / 9, 5);
    }
  });

  it('keeps the mean when shrinking a large image by a large factor', () => {
    const w = 800;
    const h = 600;
    const src = new Float32Array(w * h);
    let sum = 0;
    for (let i = 0; i < src.length; i++) sum += src[i] = (Math.sin(i * 0.001) + 1) / 2;
    const out = resizePlanes(src, 1, w, h, 28, 28, 'lanczos3');
    const mean = out.reduce((a, b) => a + b, 0) / out.length;
    expect(mean).toBeCloseTo(sum / src.length, 2);
  });

  it('rejects bad sizes and clamps overshoot', () => {
    expect(() => resizePlanes(new Float32Array(5), 1, 2, 2, 1, 1, 'box')).toThrow(/is not 1x2x2/);
    expect(() => resizePlanes(new Float32Array(4), 1, 2, 2, 0, 1, 'box')).toThrow(/bad target/);
    expect([...clampInPlace(Float32Array.from([-0.5, 0.5, 1.5]))]).toEqual([0, 0.5, 1]);
  });
});
