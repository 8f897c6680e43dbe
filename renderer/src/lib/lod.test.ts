// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { MAX_LOD, alignRect, lodFactor } from './lod';

describe('lod', () => {
  it('picks the power of two that keeps the reduced copy at or above screen size', () => {
    expect(lodFactor(2)).toBe(1);
    expect(lodFactor(1)).toBe(1);
    expect(lodFactor(0.6)).toBe(1);
    expect(lodFactor(0.5)).toBe(2);
    expect(lodFactor(0.3)).toBe(2);
    expect(lodFactor(0.2)).toBe(4);
    expect(lodFactor(0.001)).toBe(MAX_LOD);
    expect(lodFactor(0)).toBe(1);
  });

  it('aligns dirty rectangles outwards to the factor, within the image', () => {
    expect(alignRect({ x: 5, y: 3, width: 4, height: 2 }, 4, 100, 100)).toEqual({
      x: 4,
      y: 0,
      width: 8,
      height: 8,
    });
    expect(alignRect({ x: 95, y: 0, width: 10, height: 1 }, 4, 98, 50)).toEqual({
      x: 92,
      y: 0,
      width: 6,
      height: 4,
    });
  });
});
