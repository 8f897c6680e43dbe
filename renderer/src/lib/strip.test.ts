// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { concatHorizontally } from './strip';

const solid = (w: number, h: number, v: number) => ({
  rgba: new Uint8Array(w * h * 4).fill(v),
  width: w,
  height: h,
});

describe('concatHorizontally', () => {
  it('places frames side by side with a transparent gap', () => {
    const s = concatHorizontally([solid(2, 2, 10), solid(1, 2, 20)], 1);
    expect(s.width).toBe(4);
    const row = Array.from(s.rgba.subarray(0, 16));
    expect(row).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 0, 0, 0, 0, 20, 20, 20, 20]);
  });

  it('refuses frames of different heights and an empty list', () => {
    expect(() => concatHorizontally([solid(1, 1, 0), solid(1, 2, 0)])).toThrow(/height/);
    expect(() => concatHorizontally([])).toThrow(/no frames/);
  });
});
