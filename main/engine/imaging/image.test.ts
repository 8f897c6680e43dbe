import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeImage,
  readImage,
  stripOf,
  toInterleaved,
  writeGif,
  writeImage,
  writeStrip,
  type RgbImage,
} from './image.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imaging-image-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A smooth colour pattern (so lossy codecs keep it close) with exact k/255 or k/65535 values. */
function pattern(width: number, height: number, channels: 1 | 3, bits: 8 | 16): RgbImage {
  const max = bits === 16 ? 65535 : 255;
  const data = new Float32Array(channels * width * height);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = 0.5 + 0.4 * Math.sin(x / 9 + c) * Math.cos(y / 7 - c);
        data[(c * height + y) * width + x] = Math.round(v * max) / max;
      }
    }
  }
  return makeImage(width, height, channels, data, { bitDepth: bits });
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('readImage / writeImage round trips', () => {
  const lossless: [string, 1 | 3, 8 | 16][] = [
    ['png', 3, 8],
    ['png', 1, 8],
    ['png', 3, 16],
    ['png', 1, 16],
    ['tiff', 3, 8],
    ['tiff', 3, 16],
  ];
  it.each(lossless)('%s with %i channel(s) at %i bits is exact', async (ext, channels, bits) => {
    const img = pattern(40, 30, channels, bits);
    const path = join(dir, `exact-${channels}-${bits}.${ext}`);
    await writeImage(path, img);
    const back = await readImage(path);
    expect([back.width, back.height, back.channels, back.bitDepth]).toEqual([
      40,
      30,
      channels,
      bits,
    ]);
    expect(back.isGray).toBe(channels === 1);
    expect(maxDiff(back.data, img.data)).toBe(0);
    expect(back.source).toBe(path);
  });

  it.each([
    ['jpg', 3],
    ['jpg', 1],
    ['webp', 3],
  ] as const)('%s with %i channel(s) stays close', async (ext, channels) => {
    const img = pattern(64, 48, channels, 8);
    const path = join(dir, `lossy-${channels}.${ext}`);
    await writeImage(path, img);
    const back = await readImage(path);
    expect([back.width, back.height]).toEqual([64, 48]);
    // WebP has no gray mode: a gray image comes back as RGB with equal channels.
    expect(back.isGray).toBe(channels === 1);
    const rgb = back.channels === img.channels ? back.data : back.data.subarray(0, 64 * 48);
    // WebP subsamples chroma, so the colour pattern moves a little more than with 4:4:4 JPEG.
    expect(maxDiff(rgb, img.data)).toBeLessThan(0.1);
  });

  it('keeps every 8- and 16-bit code through float and back', () => {
    for (const bits of [8, 16] as const) {
      const max = bits === 16 ? 65535 : 255;
      const data = new Float32Array(max + 1);
      for (let k = 0; k <= max; k++) data[k] = k / max;
      const out = toInterleaved(makeImage(max + 1, 1, 1, data), bits);
      for (let k = 0; k <= max; k++)
        if (out[k] !== k) throw new Error(`${bits}-bit code ${k} -> ${out[k]}`);
    }
  });

  it('flags RGB files whose channels are equal as gray', async () => {
    const gray = pattern(20, 10, 1, 8);
    const rgb = makeImage(20, 10, 3, new Float32Array([...gray.data, ...gray.data, ...gray.data]));
    const path = join(dir, 'rgb-gray.png');
    await writeImage(path, rgb);
    const back = await readImage(path);
    expect(back.channels).toBe(3);
    expect(back.isGray).toBe(true);
    const colour = await readImage(await sharp(join(dir, 'exact-3-8.png')).toBuffer());
    expect(colour.isGray).toBe(false);
  });

  it('applies EXIF orientation', async () => {
    // 64 wide, 48 high: left half red, right half blue, bottom-left quarter green.
    const w = 64;
    const h = 48;
    const raw = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const at = (y * w + x) * 3;
        if (x < w / 2 && y >= h / 2) raw[at + 1] = 255;
        else raw[at + (x < w / 2 ? 0 : 2)] = 255;
      }
    }
    const path = join(dir, 'rotated.jpg');
    await sharp(raw, { raw: { width: w, height: h, channels: 3 } })
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toFile(path);
    const img = await readImage(path);
    expect([img.width, img.height]).toEqual([48, 64]);
    expect(img.notes).toContain('EXIF orientation 6 applied');
    // Orientation 6 = rotate 90 degrees clockwise: the old bottom-left corner is the new top-left,
    // the old top-right the new bottom-right.
    const at = (c: number, x: number, y: number) => img.data[(c * img.height + y) * img.width + x]!;
    expect(at(1, 2, 2)).toBeGreaterThan(0.9);
    expect(at(0, 2, 2)).toBeLessThan(0.1);
    expect(at(2, 45, 61)).toBeGreaterThan(0.9);
    expect(at(0, 45, 2)).toBeGreaterThan(0.9);
  });

  it('converts CMYK and flattens alpha, with notes', async () => {
    const base = sharp({ create: { width: 8, height: 8, channels: 3, background: '#3080c0' } });
    const cmyk = await base.clone().toColourspace('cmyk').jpeg().toBuffer();
    const fromCmyk = await readImage(cmyk);
    expect(fromCmyk.channels).toBe(3);
    expect(fromCmyk.notes).toContain('CMYK converted to sRGB');
    const rgba = await sharp({
      create: { width: 8, height: 8, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    const flat = await readImage(rgba, { name: 'rgba.png' });
    expect(flat.notes).toContain('alpha channel flattened onto white');
    expect(Math.min(...flat.data)).toBe(1);
  });

  it('says nothing about an alpha channel that is fully opaque', async () => {
    const opaque = await sharp({
      create: { width: 8, height: 8, channels: 4, background: { r: 40, g: 90, b: 200, alpha: 1 } },
    })
      .png()
      .toBuffer();
    const img = await readImage(opaque, { name: 'opaque.png' });
    expect(img.notes).not.toContain('alpha channel flattened onto white');
    expect(img.data[0]).toBeCloseTo(40 / 255, 6);
  });
});

/** A PNG whose header claims width x height, followed by a few bytes of image data. */
function pngHeader(width: number, height: number): Buffer {
  const chunk = (type: string, body: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length);
    const typed = Buffer.concat([Buffer.from(type, 'ascii'), body]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typed));
    return Buffer.concat([len, typed, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1000))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('colour profiles', () => {
  it('keeps the pixels in the source profile and writes the profile back with them', async () => {
    const raw = Buffer.alloc(24 * 16 * 3);
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 37) % 256;
    const p3 = await sharp(raw, { raw: { width: 24, height: 16, channels: 3 } })
      .withIccProfile('p3')
      .png()
      .toBuffer();
    const stored = await sharp(p3, { ignoreIcc: true }).raw().toBuffer();
    const profile = (await sharp(p3).metadata()).icc!;
    const img = await readImage(p3);
    expect(img.icc?.equals(profile)).toBe(true);
    expect(Buffer.from(toInterleaved(img, 8)).equals(stored)).toBe(true);
    for (const ext of ['png', 'jpg', 'webp', 'tiff']) {
      const path = join(dir, `p3.${ext}`);
      await writeImage(path, img);
      const meta = await sharp(path).metadata();
      expect(meta.icc?.equals(profile)).toBe(true);
      if (ext === 'png' || ext === 'tiff') {
        expect((await sharp(path, { ignoreIcc: true }).raw().toBuffer()).equals(stored)).toBe(true);
      }
    }
    // A gray image cannot carry an RGB profile: written untagged.
    const gray = makeImage(4, 4, 1, new Float32Array(16).fill(0.5), { icc: profile });
    const path = join(dir, 'gray-untagged.png');
    await writeImage(path, gray);
    expect((await sharp(path).metadata()).hasProfile).toBe(false);
  });
});

describe('bad input', () => {
  it('refuses decompression bombs before decoding', async () => {
    const path = join(dir, 'bomb.png');
    await writeFile(path, pngHeader(30000, 30000));
    await expect(readImage(path)).rejects.toThrow(
      `${path}: image is 30000x30000 = 900 MP; the limit is 100 MP`,
    );
    const small = await sharp({
      create: { width: 100, height: 100, channels: 3, background: '#000' },
    })
      .png()
      .toBuffer();
    await expect(readImage(small, { maxPixels: 5000, name: 'small.png' })).rejects.toThrow(
      'small.png: image is 100x100 = 0.01 MP; the limit is 0.005 MP',
    );
  });

  it('names the file when it is not an image, truncated or missing', async () => {
    const text = join(dir, 'notes.png');
    await writeFile(text, 'this is not an image');
    await expect(readImage(text)).rejects.toThrow(`${text} is not a readable image`);

    for (const ext of ['png', 'jpg']) {
      const whole = await sharp({
        create: {
          width: 200,
          height: 200,
          channels: 3,
          background: '#000',
          noise: { type: 'gaussian', mean: 128, sigma: 40 },
        },
      })
        .toFormat(ext === 'png' ? 'png' : 'jpeg')
        .toBuffer();
      const cut = join(dir, `cut.${ext}`);
      await writeFile(cut, whole.subarray(0, whole.length >> 1));
      await expect(readImage(cut)).rejects.toThrow(`${cut} is corrupt or truncated`);
    }
    await expect(readImage(join(dir, 'nope.png'))).rejects.toThrow(
      /cannot read .*nope\.png: ENOENT/,
    );
  });
});

describe('writing', () => {
  it('never replaces the source unless told to, and leaves no temporary files', async () => {
    const path = join(dir, 'source.png');
    await writeImage(path, pattern(10, 10, 3, 8));
    const img = await readImage(path);
    const changed = { ...img, data: img.data.map(() => 0) };
    await expect(writeImage(path, changed)).rejects.toThrow(
      /refusing to overwrite the source image/,
    );
    expect(maxDiff((await readImage(path)).data, img.data)).toBe(0);
    await writeImage(path, changed, { overwrite: true });
    expect(Math.max(...(await readImage(path)).data)).toBe(0);
    await expect(writeImage(join(dir, 'x.bmp'), img)).rejects.toThrow(/use \.png/);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes an animated GIF and a side-by-side strip', async () => {
    const frames = [0.1, 0.5, 0.9].map((v) =>
      makeImage(16, 12, 3, new Float32Array(3 * 16 * 12).fill(v)),
    );
    const gif = join(dir, 'walk.gif');
    await writeGif(gif, frames, { delayMs: 80 });
    const meta = await sharp(gif, { animated: true }).metadata();
    expect(meta.pages).toBe(3);
    expect(meta.pageHeight).toBe(12);
    expect(meta.delay).toEqual([80, 80, 80]);

    const strip = stripOf([frames[0]!, makeImage(16, 12, 1, new Float32Array(16 * 12).fill(0.5))]);
    expect([strip.width, strip.height, strip.channels]).toEqual([32, 12, 3]);
    expect(strip.data[15]).toBeCloseTo(0.1, 6);
    expect(strip.data[16]).toBeCloseTo(0.5, 6);
    const path = join(dir, 'strip.png');
    await writeStrip(path, frames);
    const back = await readImage(path);
    expect([back.width, back.height]).toEqual([48, 12]);
    expect(() => stripOf([frames[0]!, makeImage(8, 8, 1, new Float32Array(64))])).toThrow(
      /one size/,
    );
  });
});
