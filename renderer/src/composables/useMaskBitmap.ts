import { markRaw, ref, shallowRef } from 'vue';
import { encodeGrayPng } from '../lib/png';
import type { Point, Rect } from './useCoordinates';

export type MaskMode = 'paint' | 'erase';

/** Side of the square tiles whose pre-edit contents an open edit backs up (undo diffs). */
export const TILE = 64;

/** The pixels one edit changed, tile by tile: enough to undo and redo it, nothing more. */
export interface MaskDiff {
  tiles: { index: number; rect: Rect; before: Uint8Array; after: Uint8Array }[];
  bytes: number;
  /** Union of the changed tiles, for redrawing the overlay. */
  rect: Rect;
}

function unionRect(a: Rect | null, b: Rect): Rect {
  if (!a) return { ...b };
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return {
    x,
    y,
    width: Math.max(a.x + a.width, b.x + b.width) - x,
    height: Math.max(a.y + a.height, b.y + b.height) - y,
  };
}

/**
 * The inpainting mask as an image-resolution 8-bit bitmap (255 = fill, 0 = keep), not as a pile of
 * vector strokes: stamping stays O(dab area) however long the session, export is a straight copy,
 * and undo stores only the 64x64 tiles an edit touched.
 */
export class MaskBitmap {
  readonly data: Uint8Array;
  private edit: Map<number, Uint8Array> | null = null;
  private dirty: Rect | null = null;
  /** Bumped after every change so that views know to redraw. */
  readonly version = ref(0);
  private readonly tilesX: number;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    if (!(width > 0 && height > 0)) throw new Error(`bad mask size ${width}x${height}`);
    this.data = new Uint8Array(width * height);
    this.tilesX = Math.ceil(width / TILE);
  }

  private tileRect(index: number): Rect {
    const tx = index % this.tilesX;
    const ty = Math.floor(index / this.tilesX);
    const x = tx * TILE;
    const y = ty * TILE;
    return { x, y, width: Math.min(TILE, this.width - x), height: Math.min(TILE, this.height - y) };
  }

  /** Clip to the bitmap; null when nothing is left. */
  private clip(r: Rect): Rect | null {
    const x0 = Math.max(0, Math.floor(r.x));
    const y0 = Math.max(0, Math.floor(r.y));
    const x1 = Math.min(this.width, Math.ceil(r.x + r.width));
    const y1 = Math.min(this.height, Math.ceil(r.y + r.height));
    return x1 > x0 && y1 > y0 ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : null;
  }

  /** Called before pixels in `r` change: backs up untouched tiles and grows the dirty rect. */
  private touch(r: Rect): void {
    this.dirty = unionRect(this.dirty, r);
    const edit = this.edit;
    if (!edit) return;
    const tx0 = Math.floor(r.x / TILE);
    const ty0 = Math.floor(r.y / TILE);
    const tx1 = Math.floor((r.x + r.width - 1) / TILE);
    const ty1 = Math.floor((r.y + r.height - 1) / TILE);
    for (let ty = ty0; ty <= ty1; ty++) {
      for (let tx = tx0; tx <= tx1; tx++) {
        const index = ty * this.tilesX + tx;
        if (!edit.has(index)) edit.set(index, this.read(this.tileRect(index)));
      }
    }
  }

  private changed(): void {
    this.version.value++;
  }

  /** Copy of the pixels in `r` (which must lie inside the bitmap). */
  read(r: Rect): Uint8Array {
    const out = new Uint8Array(r.width * r.height);
    for (let y = 0; y < r.height; y++) {
      const start = (r.y + y) * this.width + r.x;
      out.set(this.data.subarray(start, start + r.width), y * r.width);
    }
    return out;
  }

  private write(r: Rect, src: Uint8Array): void {
    for (let y = 0; y < r.height; y++) {
      this.data.set(src.subarray(y * r.width, (y + 1) * r.width), (r.y + y) * this.width + r.x);
    }
  }

  /** Start recording an undoable edit; every change until `endEdit` belongs to it. */
  beginEdit(): void {
    this.edit ??= new Map();
  }

  /** Close the edit; null when it changed nothing. */
  endEdit(): MaskDiff | null {
    const edit = this.edit;
    this.edit = null;
    if (!edit) return null;
    const diff: MaskDiff = { tiles: [], bytes: 0, rect: { x: 0, y: 0, width: 0, height: 0 } };
    let rect: Rect | null = null;
    for (const [index, before] of edit) {
      const r = this.tileRect(index);
      const after = this.read(r);
      if (after.every((v, i) => v === before[i])) continue;
      diff.tiles.push({ index, rect: r, before, after });
      diff.bytes += before.byteLength + after.byteLength;
      rect = unionRect(rect, r);
    }
    if (!rect) return null;
    diff.rect = rect;
    return diff;
  }

  /** Run `fn` as one edit, unless an edit (a stroke) is already open. */
  private atomic(fn: () => void): MaskDiff | null {
    if (this.edit) {
      fn();
      return null;
    }
    this.beginEdit();
    fn();
    return this.endEdit();
  }

  apply(diff: MaskDiff, direction: 'undo' | 'redo'): void {
    for (const t of diff.tiles) {
      this.touch(t.rect);
      this.write(t.rect, direction === 'undo' ? t.before : t.after);
    }
    this.changed();
  }

  /** The rectangle changed since the last call (for partial overlay redraws); null if none. */
  takeDirty(): Rect | null {
    const d = this.dirty;
    this.dirty = null;
    return d;
  }

  /**
   * One round brush dab. `hardness` 1 is a hard edge; lower values ramp the coverage down linearly
   * from radius*hardness to the radius, which is what makes a soft brush blend.
   */
  stampDab(c: Point, radius: number, hardness: number, mode: MaskMode): void {
    const r = this.clip({
      x: c.x - radius,
      y: c.y - radius,
      width: 2 * radius,
      height: 2 * radius,
    });
    if (!r || radius <= 0) return;
    this.touch(r);
    const inner = radius * Math.min(1, Math.max(0, hardness));
    const ramp = Math.max(1e-6, radius - inner);
    const d = this.data;
    for (let y = r.y; y < r.y + r.height; y++) {
      const dy = y + 0.5 - c.y;
      for (let x = r.x; x < r.x + r.width; x++) {
        const dx = x + 0.5 - c.x;
        const dist = Math.sqrt(dx * dx + dy * dy);
        // A half-pixel antialiasing band even at hardness 1.
        const a = dist <= inner ? 1 : Math.min(1, Math.max(0, (radius - dist) / ramp));
        if (a <= 0) continue;
        const i = y * this.width + x;
        const v = Math.round(a * 255);
        d[i] = mode === 'paint' ? Math.max(d[i]!, v) : Math.min(d[i]!, 255 - v);
      }
    }
    this.changed();
  }

  fillRect(rect: Rect, mode: MaskMode): MaskDiff | null {
    const r = this.clip(rect);
    if (!r) return null;
    return this.atomic(() => {
      this.touch(r);
      const v = mode === 'paint' ? 255 : 0;
      for (let y = r.y; y < r.y + r.height; y++) {
        this.data.fill(v, y * this.width + r.x, y * this.width + r.x + r.width);
      }
      this.changed();
    });
  }

  /** Even-odd scanline fill of a closed polygon (the lasso), sampled at pixel centres. */
  fillPolygon(points: Point[], mode: MaskMode): MaskDiff | null {
    if (points.length < 3) return null;
    const xs = points.map((p) => p.x);
    const ys = points.map((p) => p.y);
    const bounds = this.clip({
      x: Math.min(...xs),
      y: Math.min(...ys),
      width: Math.max(...xs) - Math.min(...xs) + 1,
      height: Math.max(...ys) - Math.min(...ys) + 1,
    });
    if (!bounds) return null;
    return this.atomic(() => {
      this.touch(bounds);
      const v = mode === 'paint' ? 255 : 0;
      const crossings: number[] = [];
      for (let y = bounds.y; y < bounds.y + bounds.height; y++) {
        const sy = y + 0.5;
        crossings.length = 0;
        for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
          const a = points[i]!;
          const b = points[j]!;
          if (a.y > sy !== b.y > sy) crossings.push(a.x + ((sy - a.y) / (b.y - a.y)) * (b.x - a.x));
        }
        crossings.sort((p, q) => p - q);
        for (let k = 0; k + 1 < crossings.length; k += 2) {
          const x0 = Math.max(0, Math.ceil(crossings[k]! - 0.5));
          const x1 = Math.min(this.width, Math.ceil(crossings[k + 1]! - 0.5));
          if (x1 > x0) this.data.fill(v, y * this.width + x0, y * this.width + x1);
        }
      }
      this.changed();
    });
  }

  clear(): MaskDiff | null {
    if (this.isEmpty()) return null;
    return this.fillRect({ x: 0, y: 0, width: this.width, height: this.height }, 'erase');
  }

  invert(): MaskDiff | null {
    return this.atomic(() => {
      this.touch({ x: 0, y: 0, width: this.width, height: this.height });
      const d = this.data;
      for (let i = 0; i < d.length; i++) d[i] = 255 - d[i]!;
      this.changed();
    });
  }

  isEmpty(): boolean {
    return this.data.every((v) => v === 0);
  }

  /** Smallest rectangle holding every non-zero pixel; null for an empty mask. */
  boundingBox(): Rect | null {
    let x0 = this.width;
    let y0 = this.height;
    let x1 = -1;
    let y1 = -1;
    const d = this.data;
    for (let y = 0; y < this.height; y++) {
      const row = y * this.width;
      let first = -1;
      for (let x = 0; x < this.width; x++) {
        if (d[row + x] !== 0) {
          first = x;
          break;
        }
      }
      if (first < 0) continue;
      let last = first;
      for (let x = this.width - 1; x > first; x--) {
        if (d[row + x] !== 0) {
          last = x;
          break;
        }
      }
      x0 = Math.min(x0, first);
      x1 = Math.max(x1, last);
      y0 = Math.min(y0, y);
      y1 = y;
    }
    return x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
  }

  /**
   * Replace the mask with an RGBA image of the same size (a decoded PNG): white = fill, taking the
   * brightest channel weighted by alpha, so that both black/white and transparent masks read right.
   */
  importRgba(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): MaskDiff | null {
    if (width !== this.width || height !== this.height) {
      throw new Error(
        `the mask is ${width}x${height} but the image is ${this.width}x${this.height}; ` +
          'a mask must have the same size as the image',
      );
    }
    return this.atomic(() => {
      this.touch({ x: 0, y: 0, width, height });
      for (let i = 0; i < this.data.length; i++) {
        const m = Math.max(rgba[4 * i]!, rgba[4 * i + 1]!, rgba[4 * i + 2]!);
        this.data[i] = Math.round((m * rgba[4 * i + 3]!) / 255);
      }
      this.changed();
    });
  }

  /** The mask as an 8-bit grayscale PNG, white = fill (what the engine's inpaint task reads). */
  toPng(): Promise<Uint8Array> {
    return encodeGrayPng(this.data, this.width, this.height);
  }

  /**
   * RGBA pixels of `r` tinted with `color` (alpha from the mask) for the overlay canvas, reduced by
   * `factor` (each output pixel the mean of a factor x factor block) so that a zoomed-out view of a
   * 12 MP mask draws from a screen-sized canvas. `r` must be aligned to `factor`, except that it may
   * end at the bitmap's edge.
   */
  toOverlayRgba(
    r: Rect,
    color: [number, number, number],
    factor = 1,
  ): { rgba: Uint8ClampedArray<ArrayBuffer>; width: number; height: number } {
    const width = Math.ceil(r.width / factor);
    const height = Math.ceil(r.height / factor);
    const rgba = new Uint8ClampedArray(width * height * 4);
    const d = this.data;
    for (let oy = 0; oy < height; oy++) {
      const y0 = r.y + oy * factor;
      const y1 = Math.min(y0 + factor, r.y + r.height);
      for (let ox = 0; ox < width; ox++) {
        const x0 = r.x + ox * factor;
        const x1 = Math.min(x0 + factor, r.x + r.width);
        let sum = 0;
        for (let y = y0; y < y1; y++) {
          const row = y * this.width;
          for (let x = x0; x < x1; x++) sum += d[row + x]!;
        }
        const o = 4 * (oy * width + ox);
        rgba[o] = color[0];
        rgba[o + 1] = color[1];
        rgba[o + 2] = color[2];
        rgba[o + 3] = Math.round(sum / ((y1 - y0) * (x1 - x0)));
      }
    }
    return { rgba, width, height };
  }
}

/** One mask per open document; `reset` makes a fresh one when the image changes size. */
export function useMaskBitmap() {
  // The bitmap is mutated in place and signals through `version`; a deep proxy would only slow
  // every pixel write down.
  const mask = shallowRef<MaskBitmap | null>(null);
  return {
    mask,
    reset(width: number, height: number): MaskBitmap {
      const m = markRaw(new MaskBitmap(width, height));
      mask.value = m;
      return m;
    },
  };
}
