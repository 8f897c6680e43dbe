// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { ref } from 'vue';
import { screenToImage } from './useCoordinates';
import { MAX_SCALE, fitView, usePanZoom, zoomAbout } from './usePanZoom';

const wheel = (deltaY: number, x: number, y: number, extra: Partial<WheelEvent> = {}) => ({
  deltaX: 0,
  deltaY,
  deltaMode: 0,
  ctrlKey: false,
  clientX: x,
  clientY: y,
  ...extra,
});

describe('usePanZoom', () => {
  it('keeps the image point under the pointer fixed while zooming', () => {
    const v0 = { scale: 1.3, x: 17, y: -5 };
    const anchor = { x: 200, y: 120 };
    const before = screenToImage(v0, anchor);
    const v1 = zoomAbout(v0, anchor, 3);
    const after = screenToImage(v1, anchor);
    expect(v1.scale).toBeCloseTo(3.9);
    expect(after.x).toBeCloseTo(before.x, 9);
    expect(after.y).toBeCloseTo(before.y, 9);
  });

  it('clamps the zoom', () => {
    expect(zoomAbout({ scale: 50, x: 0, y: 0 }, { x: 0, y: 0 }, 100).scale).toBe(MAX_SCALE);
  });

  it('fits a large photo inside the viewport, centred', () => {
    const v = fitView({ width: 1000, height: 600 }, { width: 4000, height: 3000 }, 0);
    expect(v.scale).toBeCloseTo(0.2);
    expect(v.x).toBeCloseTo(100);
    expect(v.y).toBeCloseTo(0);
  });

  it('zooms on the wheel about the pointer and turns smoothing off above 100%', () => {
    const pz = usePanZoom(ref({ width: 800, height: 600 }), ref({ width: 28, height: 28 }));
    pz.actualSize();
    expect(pz.imageSmoothing.value).toBe(true);
    const p = { x: 410, y: 300 };
    const before = screenToImage(pz.view.value, p);
    pz.onWheel(wheel(-100, 510, 350), { x: 100, y: 50 });
    expect(pz.view.value.scale).toBeCloseTo(1.2);
    const after = screenToImage(pz.view.value, p);
    expect(after.x).toBeCloseTo(before.x);
    expect(pz.imageSmoothing.value).toBe(false);
  });

  it('pans with a trackpad scroll and zooms with pinch (ctrl + wheel)', () => {
    const pz = usePanZoom(ref({ width: 800, height: 600 }), ref({ width: 100, height: 100 }));
    pz.onWheel(wheel(10, 0, 0, { deltaX: 5 }));
    expect(pz.view.value).toEqual({ scale: 1, x: -5, y: -10 });
    pz.onWheel(wheel(-100, 0, 0, { deltaX: 1, ctrlKey: true }));
    expect(pz.view.value.scale).toBeCloseTo(1.2);
  });

  it('pans with the middle button, and with the left button only while Space is held', () => {
    const pz = usePanZoom(ref({ width: 800, height: 600 }), ref({ width: 100, height: 100 }));
    expect(pz.onPointerDown({ button: 0, clientX: 0, clientY: 0 })).toBe(false);
    pz.spaceHeld.value = true;
    expect(pz.onPointerDown({ button: 0, clientX: 10, clientY: 10 })).toBe(true);
    pz.onPointerMove({ button: 0, clientX: 30, clientY: 5 });
    expect(pz.onPointerUp()).toBe(true);
    expect(pz.view.value).toMatchObject({ x: 20, y: -5 });
    pz.spaceHeld.value = false;
    expect(pz.onPointerDown({ button: 1, clientX: 0, clientY: 0 })).toBe(true);
    pz.onPointerMove({ button: 1, clientX: 1, clientY: 1 });
    pz.onPointerUp();
    expect(pz.view.value).toMatchObject({ x: 21, y: -4 });
    expect(pz.onPointerMove({ button: 1, clientX: 50, clientY: 50 })).toBe(false);
  });

  it('keeps a fitted image fitted when the viewport resizes, but not a chosen zoom', () => {
    const viewport = ref({ width: 800, height: 600 });
    const pz = usePanZoom(viewport, ref({ width: 400, height: 400 }));
    pz.fit();
    pz.onResize({ width: 400, height: 300 });
    expect(pz.view.value.scale).toBeCloseTo((300 - 48) / 400);
    pz.zoomBy(2);
    expect(pz.fitted.value).toBe(false);
    const before = pz.view.value;
    pz.onResize({ width: 800, height: 600 });
    expect(pz.view.value).toEqual(before);
    expect(viewport.value.width).toBe(800);
  });

  it('fit and 100% centre the image', () => {
    const pz = usePanZoom(ref({ width: 800, height: 600 }), ref({ width: 200, height: 100 }));
    pz.fit();
    expect(pz.view.value.scale).toBeCloseTo((800 - 48) / 200);
    pz.actualSize();
    expect(pz.view.value).toEqual({ scale: 1, x: 300, y: 250 });
  });
});
