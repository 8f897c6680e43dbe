// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { MaskBitmap, TILE, useMaskBitmap } from './useMaskBitmap';

const count = (m: MaskBitmap) => m.data.reduce((n, v) => n + (v > 0 ? 1 : 0), 0);

describe('MaskBitmap', () => {
  it('stamps a hard dab as a disc of the right area, and erases it', () => {
    const m = new MaskBitmap(100, 100);
    m.stampDab({ x: 50, y: 50 }, 10, 1, 'paint');
    const full = m.data.reduce((n, v) => n + (v === 255 ? 1 : 0), 0);
    expect(full).toBeGreaterThan(Math.PI * 9 * 9);
    expect(full).toBeLessThan(Math.PI * 10.5 * 10.5);
    expect(m.data[50 * 100 + 50]).toBe(255);
    expect(m.data[50 * 100 + 70]).toBe(0);
    m.stampDab({ x: 50, y: 50 }, 12, 1, 'erase');
    expect(m.isEmpty()).toBe(true);
  });

  it('ramps a soft dab from the centre to the edge', () => {
    const m = new MaskBitmap(64, 64);
    m.stampDab({ x: 32, y: 32 }, 20, 0, 'paint');
    const row = (x: number) => m.data[31 * 64 + x]!;
    expect(row(31)).toBeGreaterThan(240);
    expect(row(41)).toBeGreaterThan(100);
    expect(row(41)).toBeLessThan(160);
    expect(row(31)).toBeGreaterThan(row(41));
    expect(row(41)).toBeGreaterThan(row(50));
  });

  it('clips dabs and rectangles at the borders', () => {
    const m = new MaskBitmap(10, 10);
    m.stampDab({ x: -3, y: -3 }, 5, 1, 'paint');
    expect(m.data[0]).toBe(255);
    m.fillRect({ x: 8, y: 8, width: 50, height: 50 }, 'paint');
    expect(m.boundingBox()).toEqual({ x: 0, y: 0, width: 10, height: 10 });
    expect(m.fillRect({ x: 20, y: 20, width: 5, height: 5 }, 'paint')).toBeNull();
  });

  it('fills a lasso polygon (even-odd)', () => {
    const m = new MaskBitmap(20, 20);
    m.fillPolygon(
      [
        { x: 2, y: 2 },
        { x: 12, y: 2 },
        { x: 12, y: 12 },
        { x: 2, y: 12 },
      ],
      'paint',
    );
    expect(count(m)).toBe(100);
    expect(m.boundingBox()).toEqual({ x: 2, y: 2, width: 10, height: 10 });
    // A triangle covers about half its bounding square.
    const t = new MaskBitmap(40, 40);
    t.fillPolygon(
      [
        { x: 0, y: 0 },
        { x: 40, y: 0 },
        { x: 0, y: 40 },
      ],
      'paint',
    );
    expect(Math.abs(count(t) - 800)).toBeLessThan(41);
  });

  it('inverts, clears and reports emptiness and the bounding box', () => {
    const m = new MaskBitmap(8, 4);
    expect(m.isEmpty()).toBe(true);
    expect(m.boundingBox()).toBeNull();
    expect(m.clear()).toBeNull();
    m.fillRect({ x: 1, y: 1, width: 2, height: 1 }, 'paint');
    expect(m.boundingBox()).toEqual({ x: 1, y: 1, width: 2, height: 1 });
    m.invert();
    expect(count(m)).toBe(30);
    m.clear();
    expect(m.isEmpty()).toBe(true);
  });

  it('records a stroke as a diff of the touched tiles only, and undoes and redoes it', () => {
    const m = new MaskBitmap(TILE * 4, TILE * 4);
    m.beginEdit();
    m.stampDab({ x: 10, y: 10 }, 5, 1, 'paint');
    m.stampDab({ x: 20, y: 10 }, 5, 1, 'paint');
    const diff = m.endEdit()!;
    expect(diff.tiles.length).toBe(1);
    expect(diff.bytes).toBe(2 * TILE * TILE);
    const painted = m.data.slice();
    m.apply(diff, 'undo');
    expect(m.isEmpty()).toBe(true);
    m.apply(diff, 'redo');
    expect(m.data).toEqual(painted);
    // An edit that changes nothing yields no diff.
    m.beginEdit();
    m.stampDab({ x: 10, y: 10 }, 5, 1, 'paint');
    expect(m.endEdit()).toBeNull();
  });

  it('makes one-shot operations their own edit and tracks the dirty rectangle', () => {
    const m = new MaskBitmap(200, 100);
    m.takeDirty();
    const d = m.fillRect({ x: 70, y: 10, width: 2, height: 2 }, 'paint')!;
    expect(d.tiles.map((t) => t.index)).toEqual([1]);
    expect(m.takeDirty()).toEqual({ x: 70, y: 10, width: 2, height: 2 });
    expect(m.takeDirty()).toBeNull();
    const inv = m.invert()!;
    expect(inv.tiles.length).toBe(Math.ceil(200 / TILE) * Math.ceil(100 / TILE));
  });

  it('imports an RGBA mask (white or opaque = fill) and refuses a wrong size', () => {
    const m = new MaskBitmap(2, 1);
    m.importRgba(new Uint8Array([255, 255, 255, 255, 255, 255, 255, 0]), 2, 1);
    expect(Array.from(m.data)).toEqual([255, 0]);
    expect(() => m.importRgba(new Uint8Array(4), 1, 1)).toThrow(/same size/);
  });

  it('exports a grayscale PNG and an overlay tint', async () => {
    const m = new MaskBitmap(3, 3);
    m.fillRect({ x: 1, y: 1, width: 1, height: 1 }, 'paint');
    const png = await m.toPng();
    expect(png[25]).toBe(0); // colour type: grayscale
    const tint = m.toOverlayRgba({ x: 1, y: 1, width: 2, height: 1 }, [255, 0, 0]);
    expect(Array.from(tint.rgba)).toEqual([255, 0, 0, 255, 255, 0, 0, 0]);
  });

  it('reduces the overlay by a factor, averaging blocks and clipping at the edge', () => {
    const m = new MaskBitmap(5, 4);
    m.fillRect({ x: 0, y: 0, width: 1, height: 1 }, 'paint');
    m.fillRect({ x: 4, y: 0, width: 1, height: 4 }, 'paint');
    const o = m.toOverlayRgba({ x: 0, y: 0, width: 5, height: 4 }, [0, 0, 255], 2);
    expect([o.width, o.height]).toEqual([3, 2]);
    const alpha = Array.from(o.rgba.filter((_, i) => i % 4 === 3));
    // Top-left block: one pixel of four; right column: a 1-wide block at the edge, all painted.
    expect(alpha).toEqual([64, 0, 255, 0, 0, 255]);
  });

  it('bumps its version on every change', () => {
    const { mask, reset } = useMaskBitmap();
    const m = reset(4, 4);
    expect(mask.value).toBe(m);
    const v = m.version.value;
    m.stampDab({ x: 2, y: 2 }, 1, 1, 'paint');
    expect(m.version.value).toBe(v + 1);
  });
});
