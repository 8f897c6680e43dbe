// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { MAX_SIZE, useBrush } from './useBrush';

describe('useBrush', () => {
  it('grows and shrinks with [ and ] by at least one pixel, within limits', () => {
    const b = useBrush({ size: 2 });
    b.bigger();
    expect(b.size.value).toBe(3);
    b.setSize(100);
    b.bigger();
    expect(b.size.value).toBe(115);
    b.smaller();
    expect(b.size.value).toBe(100);
    b.setSize(1);
    b.smaller();
    expect(b.size.value).toBe(1);
    b.setSize(1e9);
    expect(b.size.value).toBe(MAX_SIZE);
  });

  it('spaces dabs evenly along a stroke whatever the pointer event rate', () => {
    const b = useBrush({ size: 20, spacing: 0.25 }); // a dab every 5 px
    const one = [b.begin({ x: 0, y: 0 }), b.moveTo({ x: 50, y: 0 })].flat();
    b.end();
    const many = [b.begin({ x: 0, y: 0 })];
    for (let x = 1; x <= 50; x += 1.7) many.push(b.moveTo({ x, y: 0 }));
    many.push(b.moveTo({ x: 50, y: 0 }));
    const xs = many.flat().map((p) => p.x);
    expect(one.map((p) => p.x)).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50]);
    expect(xs.length).toBe(11);
    xs.forEach((x, i) => expect(x).toBeCloseTo(5 * i, 6));
  });

  it('follows diagonal strokes and ignores moves outside a stroke', () => {
    const b = useBrush({ size: 10, spacing: 0.5 });
    expect(b.moveTo({ x: 3, y: 4 })).toEqual([]);
    b.begin({ x: 0, y: 0 });
    const d = b.moveTo({ x: 6, y: 8 });
    expect(d.length).toBe(2);
    expect(d[1]!.x).toBeCloseTo(6);
    expect(d[1]!.y).toBeCloseTo(8);
  });
});
