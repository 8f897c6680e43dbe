/**
 * Levels of detail for drawing large images zoomed out. Drawing a 12 MP bitmap scaled down to a
 * screen costs a software canvas ~100 ms a frame; drawing a copy reduced by a power of two close to
 * the zoom costs about as much as the screen has pixels.
 */

export const MAX_LOD = 16;

/** The largest power of two `k` with scale * k <= 1 (k = 1 at and above 100%), at most MAX_LOD. */
export function lodFactor(scale: number): number {
  if (!(scale > 0) || scale >= 1) return 1;
  const k = 2 ** Math.floor(Math.log2(1 / scale));
  return Math.min(MAX_LOD, Math.max(1, k));
}

/** Expands `r` outwards to multiples of `k`, clipped to `width` x `height`. */
export function alignRect(
  r: { x: number; y: number; width: number; height: number },
  k: number,
  width: number,
  height: number,
): { x: number; y: number; width: number; height: number } {
  const x0 = Math.max(0, Math.floor(r.x / k) * k);
  const y0 = Math.max(0, Math.floor(r.y / k) * k);
  const x1 = Math.min(width, Math.ceil((r.x + r.width) / k) * k);
  const y1 = Math.min(height, Math.ceil((r.y + r.height) / k) * k);
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}

/**
 * An image and its reduced copies, made on demand. `get(k)` answers at once with the best copy
 * available (the full image until the reduced one is ready) and calls `onReady` when a better one
 * arrives, so the view redraws.
 */
export class LodImage {
  private readonly copies = new Map<number, ImageBitmap>();
  private readonly making = new Set<number>();
  private disposed = false;

  constructor(
    readonly source: HTMLImageElement,
    private readonly onReady: () => void,
  ) {}

  get(k: number): CanvasImageSource {
    if (k <= 1) return this.source;
    const ready = this.copies.get(k);
    if (ready) return ready;
    if (!this.making.has(k)) {
      this.making.add(k);
      const w = Math.max(1, Math.ceil(this.source.naturalWidth / k));
      const h = Math.max(1, Math.ceil(this.source.naturalHeight / k));
      void createImageBitmap(this.source, {
        resizeWidth: w,
        resizeHeight: h,
        resizeQuality: 'medium',
      })
        .then((bitmap) => {
          if (this.disposed) return bitmap.close();
          this.copies.set(k, bitmap);
          this.onReady();
        })
        .catch(() => undefined);
    }
    // Meanwhile the nearest finer copy that exists, else the full image.
    for (let j = k / 2; j > 1; j /= 2) {
      const finer = this.copies.get(j);
      if (finer) return finer;
    }
    return this.source;
  }

  dispose(): void {
    this.disposed = true;
    for (const b of this.copies.values()) b.close();
    this.copies.clear();
  }
}
