import { describe, expect, it } from 'vitest';
import { distanceToSet } from './distance.ts';
import { featherAlpha, pasteFeathered } from './feather.ts';

describe('feathered paste', () => {
  const w = 60;
  const h = 40;
  // A 10x6 hole in the middle.
  const hole = new Uint8Array(w * h);
  for (let y = 17; y < 23; y++) hole.fill(1, y * w + 25, y * w + 35);
  const distance = distanceToSet(hole, w, h);
  const dilate = 3;
  const feather = 10;
  const alpha = featherAlpha(distance, dilate, feather);

  it('is 1 over the dilated hole, 0 beyond the band, and steps by less than 1.5 sqrt(2) / feather', () => {
    for (let i = 0; i < alpha.length; i++) {
      if (distance[i]! <= dilate) expect(alpha[i]).toBe(1);
      if (distance[i]! >= dilate + feather) expect(alpha[i]).toBe(0);
    }
    const bound = (1.5 * Math.SQRT2) / feather;
    let largest = 0;
    for (let y = 0; y < h - 1; y++) {
      for (let x = 0; x < w - 1; x++) {
        const a = alpha[y * w + x]!;
        largest = Math.max(
          largest,
          Math.abs(a - alpha[y * w + x + 1]!),
          Math.abs(a - alpha[(y + 1) * w + x]!),
        );
      }
    }
    expect(largest).toBeGreaterThan(0.05);
    expect(largest).toBeLessThanOrEqual(bound);
  });

  it('blends inside the band and leaves every other pixel untouched', () => {
    const channels = 2;
    const target = Float32Array.from({ length: channels * w * h }, (_, i) => (i % 97) / 97);
    const before = target.slice();
    const rect = { x: 0, y: 0, width: w, height: h };
    // NaN fill would show up anywhere it leaked into a pixel whose weight is 0.
    const fill = new Float32Array(channels * w * h).fill(NaN);
    for (let i = 0; i < w * h; i++) if (alpha[i]! > 0) fill[i] = fill[w * h + i] = 0.25;
    pasteFeathered(target, { width: w, height: h, channels }, rect, fill, alpha);
    for (let c = 0; c < channels; c++) {
      for (let i = 0; i < w * h; i++) {
        const at = c * w * h + i;
        const a = alpha[i]!;
        if (a === 0) expect(Object.is(target[at], before[at])).toBe(true);
        else expect(target[at]).toBeCloseTo(before[at]! * (1 - a) + 0.25 * a, 6);
      }
    }
  });

  it('pastes into a sub-rectangle and checks sizes', () => {
    const target = new Float32Array(10 * 8);
    pasteFeathered(
      target,
      { width: 10, height: 8, channels: 1 },
      { x: 6, y: 5, width: 2, height: 2 },
      Float32Array.from([1, 2, 3, 4]),
      Float32Array.from([1, 1, 1, 0.5]),
    );
    expect([
      target[5 * 10 + 6],
      target[5 * 10 + 7],
      target[6 * 10 + 6],
      target[6 * 10 + 7],
    ]).toEqual([1, 2, 3, 2]);
    expect(() =>
      pasteFeathered(
        target,
        { width: 10, height: 8, channels: 1 },
        { x: 9, y: 0, width: 2, height: 2 },
        new Float32Array(4),
        new Float32Array(4),
      ),
    ).toThrow(/outside the image/);
  });
});
