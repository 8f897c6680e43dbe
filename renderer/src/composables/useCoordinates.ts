import { computed, type Ref } from 'vue';

/** Where the image sits on screen: screen = image * scale + (x, y), in CSS pixels. */
export interface ViewTransform {
  scale: number;
  x: number;
  y: number;
}

export interface Point {
  x: number;
  y: number;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Pure conversions, exported so that non-reactive code (Konva handlers, tests) can share them. */
export function screenToImage(view: ViewTransform, p: Point): Point {
  return { x: (p.x - view.x) / view.scale, y: (p.y - view.y) / view.scale };
}

export function imageToScreen(view: ViewTransform, p: Point): Point {
  return { x: p.x * view.scale + view.x, y: p.y * view.scale + view.y };
}

/** The image-space rectangle visible through a viewport of the given screen size. */
export function visibleImageRect(view: ViewTransform, viewportW: number, viewportH: number): Rect {
  const a = screenToImage(view, { x: 0, y: 0 });
  return { x: a.x, y: a.y, width: viewportW / view.scale, height: viewportH / view.scale };
}

/**
 * Screen <-> image coordinates under the current zoom and pan. Every tool converts pointer
 * positions through here, so that a dab lands on the image pixel under the cursor whatever the zoom.
 */
export function useCoordinates(view: Ref<ViewTransform>) {
  return {
    toImage: (p: Point): Point => screenToImage(view.value, p),
    toScreen: (p: Point): Point => imageToScreen(view.value, p),
    /** Image pixel (integer) under a screen point; may lie outside the image. */
    pixelAt: (p: Point): Point => {
      const q = screenToImage(view.value, p);
      return { x: Math.floor(q.x), y: Math.floor(q.y) };
    },
    /** A length on screen measured in image pixels (brush radius preview, hit slop). */
    lengthToImage: (screenLength: number): number => screenLength / view.value.scale,
    lengthToScreen: (imageLength: number): number => imageLength * view.value.scale,
    zoomPercent: computed(() => Math.round(view.value.scale * 100)),
  };
}
