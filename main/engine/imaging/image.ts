import { randomBytes } from 'node:crypto';
import { readFile, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

/**
 * A decoded image: planar float planes [channels, height, width] with values in [0, 1].
 * A stored value is exactly k / (2^bitDepth - 1) for the file's integer k, and `writeImage`
 * rounds v * (2^bitDepth - 1), so pixels nobody touched come back as the same integers.
 */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly data: Float32Array;
  /** Bits per sample of the source (8 or 16); 16-bit images are written back as 16-bit PNGs. */
  readonly bitDepth: 8 | 16;
  /** One channel, or three equal channels on every pixel. */
  readonly isGray: boolean;
  /** What was converted while decoding (orientation, CMYK, alpha), one line each. */
  readonly notes: readonly string[];
  /**
   * The source's ICC profile. Its pixels are kept in the profile's space (not converted), and the
   * profile is written back with them, so untouched pixels and their appearance both survive.
   */
  readonly icc?: Buffer;
  /** Absolute path of the file this image (or the image it was derived from) came from. */
  readonly source?: string;
}

export interface ReadOptions {
  /** Largest accepted width x height, refused before decoding (a decompression bomb). Default 100 MP. */
  maxPixels?: number;
  /** How a Buffer input is named in messages. */
  name?: string;
}

export const DEFAULT_MAX_PIXELS = 100_000_000;
const READABLE = ['png', 'jpeg', 'webp', 'tiff'] as const;
const WRITABLE: Record<string, 'png' | 'jpeg' | 'webp' | 'tiff'> = {
  '.png': 'png',
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.webp': 'webp',
  '.tif': 'tiff',
  '.tiff': 'tiff',
};

/** Checks sizes and wraps planar data as an image (no copy). */
export function makeImage(
  width: number,
  height: number,
  channels: 1 | 3,
  data: Float32Array,
  extra: {
    bitDepth?: 8 | 16;
    isGray?: boolean;
    notes?: readonly string[];
    source?: string;
    icc?: Buffer;
  } = {},
): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`image size must be positive integers, got ${width}x${height}`);
  }
  if (data.length !== width * height * channels) {
    throw new Error(
      `image data has ${data.length} values, ${width}x${height}x${channels} needs ${width * height * channels}`,
    );
  }
  return {
    width,
    height,
    channels,
    data,
    bitDepth: extra.bitDepth ?? 8,
    isGray: extra.isGray ?? channels === 1,
    notes: extra.notes ?? [],
    ...(extra.source !== undefined ? { source: extra.source } : {}),
    ...(extra.icc !== undefined ? { icc: extra.icc } : {}),
  };
}

/** "30000x30000 = 900 MP" with one decimal where it matters. */
function megapixels(pixels: number): string {
  const mp = pixels / 1e6;
  const shown = Number.isInteger(mp) ? mp : mp >= 1 ? mp.toFixed(1) : Number(mp.toPrecision(2));
  return `${shown} MP`;
}

/**
 * Decodes PNG, JPEG, WebP or TIFF: EXIF orientation applied, CMYK converted to sRGB, alpha
 * flattened onto white, 16-bit samples kept at full precision, an RGB or gray ICC profile kept.
 */
export async function readImage(
  input: string | Buffer,
  options: ReadOptions = {},
): Promise<RgbImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const name = typeof input === 'string' ? input : (options.name ?? 'the image data');
  let bytes: Buffer;
  if (typeof input === 'string') {
    try {
      bytes = await readFile(input);
    } catch (e) {
      throw new Error(
        `cannot read ${name}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  } else {
    bytes = input;
  }
  let meta: sharp.Metadata;
  try {
    // Reading the header is safe at any size; the limit is checked below with a clearer message.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new Error(`${name} is not a readable image: ${firstLine(e)}`);
  }
  if (!(READABLE as readonly string[]).includes(meta.format)) {
    throw new Error(`${name} is ${meta.format}; supported formats are PNG, JPEG, WebP and TIFF`);
  }
  const pixels = meta.width * meta.height;
  if (pixels > maxPixels) {
    throw new Error(
      `${name}: image is ${meta.width}x${meta.height} = ${megapixels(pixels)}; the limit is ${megapixels(maxPixels)}`,
    );
  }

  const notes: string[] = [];
  // Anything deeper than 8 bits (16-bit PNG/TIFF, float TIFF) is decoded as 16-bit samples.
  const wide = meta.depth !== 'uchar' && meta.depth !== 'char';
  const colorBands = meta.channels - (meta.hasAlpha ? 1 : 0);
  const gray = colorBands === 1;
  if (meta.orientation !== undefined && meta.orientation > 1) {
    notes.push(`EXIF orientation ${meta.orientation} applied`);
  }
  if (meta.space === 'cmyk') notes.push('CMYK converted to sRGB');
  const icc =
    meta.space !== 'cmyk' && meta.icc && profileFits(meta.icc, gray ? 1 : 3) ? meta.icc : undefined;
  // Screenshots and exports often carry an alpha channel that is fully opaque: say nothing then.
  if (meta.hasAlpha && !(await isOpaque(bytes, maxPixels, name))) {
    notes.push('alpha channel flattened onto white');
  }
  if (wide && meta.depth !== 'ushort') {
    notes.push(`${meta.depth} samples converted to 16 bits`);
  }

  let pipeline = sharp(bytes, {
    limitInputPixels: maxPixels,
    failOn: 'error',
    ignoreIcc: icc !== undefined,
  }).rotate();
  if (meta.hasAlpha) pipeline = pipeline.flatten({ background: '#ffffff' });
  pipeline = pipeline.toColourspace(gray ? (wide ? 'grey16' : 'b-w') : wide ? 'rgb16' : 'srgb');
  let decoded: { data: Buffer; info: sharp.OutputInfo };
  try {
    decoded = await pipeline
      .raw(wide ? { depth: 'ushort' } : {})
      .toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new Error(`${name} is corrupt or truncated: ${firstLine(e)}`);
  }
  const { width, height, channels } = decoded.info;
  if (channels !== 1 && channels !== 3) {
    throw new Error(`${name}: decoding gave ${channels} channels, expected 1 or 3`);
  }
  const bytesOut = decoded.data;
  // A Uint16Array view needs an even byte offset; copy in the unlikely case it is odd.
  const aligned = bytesOut.byteOffset % 2 === 0 ? bytesOut : Buffer.from(bytesOut);
  const samples = wide
    ? new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.length / 2)
    : bytesOut;
  const scale = wide ? 65535 : 255;
  const plane = width * height;
  const data = new Float32Array(plane * channels);
  let equal = true;
  for (let p = 0; p < plane; p++) {
    const at = p * channels;
    for (let c = 0; c < channels; c++) data[c * plane + p] = samples[at + c]! / scale;
    if (channels === 3 && equal) {
      equal = samples[at] === samples[at + 1] && samples[at] === samples[at + 2];
    }
  }
  return makeImage(width, height, channels, data, {
    bitDepth: wide ? 16 : 8,
    isGray: channels === 1 || equal,
    notes,
    ...(typeof input === 'string' ? { source: resolve(input) } : {}),
    ...(icc ? { icc } : {}),
  });
}

/** Whether an ICC profile describes images with this many channels (header bytes 16-19). */
export function profileFits(icc: Buffer, channels: 1 | 3): boolean {
  return icc.length >= 128 && icc.toString('latin1', 16, 20) === (channels === 1 ? 'GRAY' : 'RGB ');
}

/**
 * A PNG with an iCCP chunk right after IHDR. sharp attaches a profile only by converting into it,
 * while these pixels are already in the profile's space, so the chunk is written here.
 */
export function withPngProfile(png: Buffer, icc: Buffer): Buffer {
  const ihdrEnd = 8 + 4 + 4 + 13 + 4;
  if (png.toString('latin1', 12, 16) !== 'IHDR')
    throw new Error('not a PNG with an IHDR chunk first');
  const body = Buffer.concat([Buffer.from('icc\0\0', 'latin1'), deflateSync(icc)]);
  const typed = Buffer.concat([Buffer.from('iCCP', 'latin1'), body]);
  const chunk = Buffer.alloc(4 + typed.length + 4);
  chunk.writeUInt32BE(body.length, 0);
  typed.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(typed), 4 + typed.length);
  return Buffer.concat([png.subarray(0, ihdrEnd), chunk, png.subarray(ihdrEnd)]);
}

function firstLine(e: unknown): string {
  return String((e as Error).message ?? e).split('\n')[0]!;
}

/** Interleaved integer samples of an image, rounded and clipped; NaN becomes 0. */
export function toInterleaved(img: RgbImage, bits: 8 | 16): Uint8Array | Uint16Array {
  const { width, height, channels, data } = img;
  const plane = width * height;
  const scale = bits === 16 ? 65535 : 255;
  const out = bits === 16 ? new Uint16Array(plane * channels) : new Uint8Array(plane * channels);
  for (let c = 0; c < channels; c++) {
    const base = c * plane;
    for (let p = 0; p < plane; p++) {
      const v = data[base + p]!;
      out[p * channels + c] = v > 0 ? (v < 1 ? Math.round(v * scale) : scale) : 0;
    }
  }
  return out;
}

export interface WriteOptions {
  /** Replace the file the image was read from; refused otherwise. */
  overwrite?: boolean;
  /** JPEG / WebP quality 1-100, default 95. */
  quality?: number;
}

/** The encoder for a path's extension, or an error listing the supported ones. */
export function formatOf(path: string): 'png' | 'jpeg' | 'webp' | 'tiff' {
  const format = WRITABLE[extname(path).toLowerCase()];
  if (!format) {
    throw new Error(`cannot write ${path}: use .png, .jpg, .jpeg, .webp, .tif or .tiff`);
  }
  return format;
}

/**
 * Encodes by extension. 16-bit images stay 16-bit in PNG and TIFF; JPEG and WebP are 8-bit.
 * The file is written next to its destination and renamed, so a crash never leaves half a file,
 * and the image's source file is never replaced unless `overwrite` is set.
 */
export async function writeImage(
  path: string,
  img: RgbImage,
  options: WriteOptions = {},
): Promise<void> {
  const format = formatOf(path);
  if (img.source !== undefined && !options.overwrite && (await samePath(path, img.source))) {
    throw new Error(`refusing to overwrite the source image ${path}; pass overwrite to replace it`);
  }
  await writeAtomic(path, await encodeImage(img, format, options.quality ?? 95));
}

export async function encodeImage(
  img: RgbImage,
  format: 'png' | 'jpeg' | 'webp' | 'tiff',
  quality = 95,
): Promise<Buffer> {
  const bits = img.bitDepth === 16 && (format === 'png' || format === 'tiff') ? 16 : 8;
  const space =
    img.channels === 1 ? (bits === 16 ? 'grey16' : 'b-w') : bits === 16 ? 'rgb16' : 'srgb';
  let pipeline = sharp(toInterleaved(img, bits), {
    raw: { width: img.width, height: img.height, channels: img.channels },
  }).toColourspace(space);
  // A gray profile cannot describe a colorized result: such an image is written untagged (sRGB).
  if (img.icc && profileFits(img.icc, img.channels)) {
    const png = withPngProfile(
      await pipeline.png({ compressionLevel: format === 'png' ? 6 : 0 }).toBuffer(),
      img.icc,
    );
    if (format === 'png') return png;
    // ignoreIcc + keepIccProfile: the profile travels with the pixels, nothing is converted.
    pipeline = sharp(png, { ignoreIcc: true, limitInputPixels: false }).keepIccProfile();
  }
  switch (format) {
    case 'png':
      return pipeline.png().toBuffer();
    case 'jpeg':
      return pipeline.jpeg({ quality, chromaSubsampling: '4:4:4' }).toBuffer();
    case 'webp':
      return pipeline.webp({ quality }).toBuffer();
    case 'tiff':
      return pipeline.tiff({ compression: 'deflate' }).toBuffer();
  }
}

async function samePath(a: string, b: string): Promise<boolean> {
  const real = async (p: string) => realpath(p).catch(() => resolve(p));
  return (await real(a)) === (await real(b));
}

async function writeAtomic(path: string, bytes: Buffer): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new Error(`cannot write ${path}: ${firstLine(e)}`);
  }
}

function sameSize(frames: readonly RgbImage[], what: string): void {
  if (frames.length === 0) throw new Error(`${what} needs at least one frame`);
  const { width, height } = frames[0]!;
  const odd = frames.find((f) => f.width !== width || f.height !== height);
  if (odd) {
    throw new Error(
      `${what}: frames must have one size, got ${width}x${height} and ${odd.width}x${odd.height}`,
    );
  }
}

/** The frames as RGB, whatever their channel counts. */
function asRgb(img: RgbImage): RgbImage {
  if (img.channels === 3) return img;
  const plane = img.width * img.height;
  const data = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) data.set(img.data, c * plane);
  return makeImage(img.width, img.height, 3, data, { isGray: true });
}

/** The bytes of an animated GIF that loops forever, `delayMs` (default 100) per frame. */
export async function encodeGif(frames: readonly RgbImage[], delayMs = 100): Promise<Buffer> {
  sameSize(frames, 'a GIF');
  const { width, height } = frames[0]!;
  const stacked = new Uint8Array(width * height * 3 * frames.length);
  frames.forEach((f, i) => stacked.set(toInterleaved(asRgb(f), 8), i * width * height * 3));
  return sharp(stacked, {
    raw: { width, height: height * frames.length, channels: 3, pageHeight: height },
  })
    .gif({ delay: frames.map(() => delayMs), loop: 0, keepDuplicateFrames: true })
    .toBuffer();
}

/** An animated GIF file (see encodeGif). */
export async function writeGif(
  path: string,
  frames: readonly RgbImage[],
  options: { delayMs?: number; overwrite?: boolean } = {},
): Promise<void> {
  if (extname(path).toLowerCase() !== '.gif') throw new Error(`cannot write ${path}: use .gif`);
  const source = frames.find((f) => f.source !== undefined)?.source;
  if (source !== undefined && !options.overwrite && (await samePath(path, source))) {
    throw new Error(`refusing to overwrite the source image ${path}; pass overwrite to replace it`);
  }
  await writeAtomic(path, await encodeGif(frames, options.delayMs));
}

/** The frames side by side, left to right, as one image. */
export function stripOf(frames: readonly RgbImage[]): RgbImage {
  sameSize(frames, 'a strip');
  const { width, height } = frames[0]!;
  const channels = frames.every((f) => f.channels === 1) ? 1 : 3;
  const total = width * frames.length;
  const data = new Float32Array(total * height * channels);
  frames.forEach((frame, i) => {
    const f = channels === 3 ? asRgb(frame) : frame;
    for (let c = 0; c < channels; c++) {
      for (let y = 0; y < height; y++) {
        const from = (c * height + y) * width;
        data.set(f.data.subarray(from, from + width), (c * height + y) * total + i * width);
      }
    }
  });
  return makeImage(total, height, channels, data, {
    bitDepth: frames.some((f) => f.bitDepth === 16) ? 16 : 8,
    isGray: frames.every((f) => f.isGray),
  });
}

export async function writeStrip(
  path: string,
  frames: readonly RgbImage[],
  options: WriteOptions = {},
): Promise<void> {
  const source = frames.find((f) => f.source !== undefined)?.source;
  const strip = stripOf(frames);
  await writeImage(path, source !== undefined ? { ...strip, source } : strip, options);
}

async function isOpaque(bytes: Buffer, maxPixels: number, name: string): Promise<boolean> {
  try {
    return (await sharp(bytes, { limitInputPixels: maxPixels }).stats()).isOpaque;
  } catch (e) {
    throw new Error(`${name} is corrupt or truncated: ${firstLine(e)}`);
  }
}
