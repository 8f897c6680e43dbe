import { decodeToRgba } from './images';
import { encodeRgbaPng } from './png';

export interface Pixels {
  rgba: Uint8ClampedArray | Uint8Array;
  width: number;
  height: number;
}

/** Frames of one height side by side, separated by `gap` transparent columns. */
export function concatHorizontally(frames: Pixels[], gap = 0): Pixels {
  if (frames.length === 0) throw new Error('no frames to join');
  const height = frames[0]!.height;
  if (frames.some((f) => f.height !== height)) throw new Error('the frames differ in height');
  const width = frames.reduce((w, f) => w + f.width, 0) + gap * (frames.length - 1);
  const out = new Uint8Array(width * height * 4);
  let x0 = 0;
  for (const f of frames) {
    for (let y = 0; y < height; y++) {
      out.set(f.rgba.subarray(y * f.width * 4, (y + 1) * f.width * 4), (y * width + x0) * 4);
    }
    x0 += f.width + gap;
  }
  return { rgba: out, width, height };
}

/** The interpolation frames as one PNG strip, at model resolution (no resampling). */
export async function pngStrip(pngs: Uint8Array[]): Promise<Uint8Array> {
  const frames = await Promise.all(pngs.map(decodeToRgba));
  const strip = concatHorizontally(frames, 2);
  return encodeRgbaPng(strip.rgba, strip.width, strip.height);
}
