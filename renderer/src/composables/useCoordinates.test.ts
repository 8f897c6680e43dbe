// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { ref } from 'vue';
import { imageToScreen, screenToImage, useCoordinates, visibleImageRect } from './useCoordinates';

describe('useCoordinates', () => {
  it('round-trips screen and image points under zoom and pan', () => {
    const view = { scale: 2.5, x: -40, y: 13 };
    for (const p of [
      { x: 0, y: 0 },
      { x: 123.5, y: -7 },
      { x: 1e4, y: 3 },
    ]) {
      const q = imageToScreen(view, screenToImage(view, p));
      expect(q.x).toBeCloseTo(p.x, 9);
      expect(q.y).toBeCloseTo(p.y, 9);
    }
  });

  it('maps the pan offset to the image origin and picks the pixel under the pointer', () => {
    const view = ref({ scale: 4, x: 100, y: 50 });
    const c = useCoordinates(view);
    expect(c.toImage({ x: 100, y: 50 })).toEqual({ x: 0, y: 0 });
    expect(c.pixelAt({ x: 103.9, y: 57.9 })).toEqual({ x: 0, y: 1 });
    expect(c.pixelAt({ x: 99, y: 49 })).toEqual({ x: -1, y: -1 });
    expect(c.lengthToImage(20)).toBe(5);
    expect(c.zoomPercent.value).toBe(400);
    view.value = { scale: 0.5, x: 0, y: 0 };
    expect(c.toScreen({ x: 10, y: 10 })).toEqual({ x: 5, y: 5 });
    expect(c.zoomPercent.value).toBe(50);
  });

  it('reports the visible image rectangle', () => {
    expect(visibleImageRect({ scale: 2, x: -20, y: 0 }, 200, 100)).toEqual({
      x: 10,
      y: 0,
      width: 100,
      height: 50,
    });
  });
});
