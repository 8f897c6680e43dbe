import { computed, ref, type Ref } from 'vue';
import type { Point, ViewTransform } from './useCoordinates';

export const MIN_SCALE = 0.02;
export const MAX_SCALE = 64;
/** One wheel notch (deltaY = 100 in line-less pixel mode) zooms by this factor. */
const WHEEL_STEP = 1.2;

export interface Size {
  width: number;
  height: number;
}

export interface WheelLike {
  deltaX: number;
  deltaY: number;
  deltaMode: number;
  ctrlKey: boolean;
  clientX: number;
  clientY: number;
}

export interface PointerLike {
  button: number;
  clientX: number;
  clientY: number;
}

function clampScale(s: number): number {
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, s));
}

/** Scale `view` by `factor` keeping the image point under `anchor` (screen) where it is. */
export function zoomAbout(view: ViewTransform, anchor: Point, factor: number): ViewTransform {
  const scale = clampScale(view.scale * factor);
  const k = scale / view.scale;
  return { scale, x: anchor.x - (anchor.x - view.x) * k, y: anchor.y - (anchor.y - view.y) * k };
}

/** The transform that shows the whole image centred with `padding` CSS px around it. */
export function fitView(viewport: Size, image: Size, padding = 24): ViewTransform {
  const w = Math.max(1, viewport.width - 2 * padding);
  const h = Math.max(1, viewport.height - 2 * padding);
  const scale = clampScale(Math.min(w / image.width, h / image.height));
  return {
    scale,
    x: (viewport.width - image.width * scale) / 2,
    y: (viewport.height - image.height * scale) / 2,
  };
}

/**
 * Zoom and pan of the canvas the way editors do it: the wheel zooms about the pointer (a
 * trackpad's two-finger scroll pans unless Ctrl is held, which is how pinch arrives), Space-drag or
 * middle-drag pans, and fit / 100% centre the image. Pixels stay crisp when zoomed in: smoothing is
 * off above 100%, so a 28 px model output reads as pixels rather than a blur.
 */
export function usePanZoom(viewport: Ref<Size>, image: Ref<Size | null>) {
  const view = ref<ViewTransform>({ scale: 1, x: 0, y: 0 });
  const spaceHeld = ref(false);
  const panning = ref(false);
  /** True while the view is the fitted one: a resized viewport then refits instead of cropping. */
  const fitted = ref(false);
  let last: Point | null = null;

  const imageSmoothing = computed(() => view.value.scale <= 1);

  function fit(): void {
    if (!image.value) return;
    view.value = fitView(viewport.value, image.value);
    fitted.value = true;
  }

  /** The viewport changed size: keep a fitted image fitted, leave a chosen zoom alone. */
  function onResize(size: Size): void {
    viewport.value = size;
    if (fitted.value) fit();
  }

  function actualSize(): void {
    const img = image.value;
    if (!img) return;
    fitted.value = false;
    view.value = {
      scale: 1,
      x: Math.round((viewport.value.width - img.width) / 2),
      y: Math.round((viewport.value.height - img.height) / 2),
    };
  }

  function zoomBy(factor: number, anchor?: Point): void {
    const a = anchor ?? { x: viewport.value.width / 2, y: viewport.value.height / 2 };
    view.value = zoomAbout(view.value, a, factor);
    fitted.value = false;
  }

  function panBy(dx: number, dy: number): void {
    view.value = { ...view.value, x: view.value.x + dx, y: view.value.y + dy };
    fitted.value = false;
  }

  /** `origin` is the viewport's top-left in client coordinates. */
  function onWheel(e: WheelLike, origin: Point = { x: 0, y: 0 }): void {
    const unit = e.deltaMode === 1 ? 33 : e.deltaMode === 2 ? viewport.value.height : 1;
    const dx = e.deltaX * unit;
    const dy = e.deltaY * unit;
    const anchor = { x: e.clientX - origin.x, y: e.clientY - origin.y };
    // Horizontal scroll means a trackpad; then plain scroll pans and pinch (ctrlKey) zooms.
    if (!e.ctrlKey && dx !== 0) {
      panBy(-dx, -dy);
      return;
    }
    zoomBy(Math.pow(WHEEL_STEP, -dy / 100), anchor);
  }

  /** True when this press starts a pan (middle button, or any button while Space is held). */
  function onPointerDown(e: PointerLike): boolean {
    if (e.button === 1 || (spaceHeld.value && e.button === 0)) {
      panning.value = true;
      last = { x: e.clientX, y: e.clientY };
      return true;
    }
    return false;
  }

  function onPointerMove(e: PointerLike): boolean {
    if (!panning.value || !last) return false;
    panBy(e.clientX - last.x, e.clientY - last.y);
    last = { x: e.clientX, y: e.clientY };
    return true;
  }

  function onPointerUp(): boolean {
    const was = panning.value;
    panning.value = false;
    last = null;
    return was;
  }

  return {
    view,
    spaceHeld,
    panning,
    fitted,
    imageSmoothing,
    fit,
    onResize,
    actualSize,
    zoomBy,
    panBy,
    onWheel,
    onPointerDown,
    onPointerMove,
    onPointerUp,
  };
}
