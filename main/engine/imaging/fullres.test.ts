import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensor } from '../tensor.ts';
import { distanceToSet } from './distance.ts';
import {
  colorizeImage,
  inpaintImage,
  pasteDefaults,
  type ColorizeTask,
  type InpaintTask,
  type PipelineTaskOptions,
} from './fullres.ts';
import { makeImage, readImage, writeImage, type RgbImage } from './image.ts';
import type { BinaryMask } from './mask.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imaging-fullres-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Exact 8-bit codes in a busy pattern, so that any change to a pixel shows. */
function busyImage(width: number, height: number, channels: 1 | 3): RgbImage {
  const data = new Float32Array(channels * width * height);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        data[(c * height + y) * width + x] =
          ((x * 7 + y * 13 + c * 50 + ((x * y) % 11)) % 256) / 255;
      }
    }
  }
  return makeImage(width, height, channels, data);
}

function rectMask(
  width: number,
  height: number,
  rects: [number, number, number, number][],
): BinaryMask {
  const data = new Uint8Array(width * height);
  for (const [x0, y0, x1, y1] of rects) {
    for (let y = y0; y < y1; y++) data.fill(1, y * width + x0, y * width + x1);
  }
  return { width, height, data };
}

interface Call {
  mask: Float32Array;
  o: PipelineTaskOptions;
}

/** Sample k fills the masked model pixels with value(k) (model range) and keeps the known ones. */
function fakeInpaint(
  value: (k: number) => number,
  calls: Call[] = [],
  everywhere = false,
): InpaintTask {
  return async (known, mask, o) => {
    calls.push({ mask, o });
    const [, c, h, w] = known.shape;
    const plane = h * w;
    const data = new Float32Array(o.n * c * plane);
    for (let k = 0; k < o.n; k++) {
      for (let ch = 0; ch < c; ch++) {
        for (let p = 0; p < plane; p++) {
          data[(k * c + ch) * plane + p] =
            everywhere || mask[p] ? value(k) : known.data[ch * plane + p]!;
        }
      }
    }
    return { x: tensor(data, [o.n, c, h, w]), nfe: 3 };
  };
}

async function rawBytes(path: string): Promise<Buffer> {
  return sharp(path).raw().toBuffer();
}

describe('inpaintImage', () => {
  it('changes nothing outside the feather band, bit for bit in the written file', async () => {
    const image = busyImage(300, 200, 3);
    const source = join(dir, 'busy.png');
    await writeImage(source, image);
    const decoded = await readImage(source);
    const mask = rectMask(300, 200, [[120, 90, 150, 110]]);
    const calls: Call[] = [];
    const { images, nfe, crops } = await inpaintImage(decoded, mask, {
      shape: [3, 28, 28],
      task: fakeInpaint((k) => 1 - k, calls),
      n: 2,
      seed: 5,
    });
    expect(images).toHaveLength(2);
    expect(nfe).toBe(3);
    expect(crops).toHaveLength(1);
    expect(calls[0]!.o).toMatchObject({ n: 2, seed: 5 });
    // The model mask covers the hole: the hole's centre is at model pixel (14, 14) of a centred crop.
    expect(calls[0]!.mask[14 * 28 + 14]).toBe(1);
    expect(calls[0]!.mask[0]).toBe(0);

    const { dilate, feather } = pasteDefaults(75);
    const distance = distanceToSet(mask.data, 300, 200);
    const before = await rawBytes(source);
    for (const [k, img] of images.entries()) {
      expect(img.source).toBe(source);
      await expect(writeImage(source, img)).rejects.toThrow(/refusing to overwrite/);
      const out = join(dir, `filled-${k}.png`);
      await writeImage(out, img);
      const after = await rawBytes(out);
      let unchanged = 0;
      let changed = 0;
      for (let p = 0; p < 300 * 200; p++) {
        const same = [0, 1, 2].every((c) => after[p * 3 + c] === before[p * 3 + c]);
        if (distance[p]! >= dilate + feather) {
          if (!same) throw new Error(`pixel ${p} outside the band changed`);
          unchanged++;
        } else if (!same) changed++;
      }
      expect(unchanged).toBeGreaterThan(50_000);
      expect(changed).toBeGreaterThan(600);
      // The middle of the hole holds the fill: white for sample 0, mid-gray for sample 1.
      const centre = (100 * 300 + 135) * 3;
      expect(after[centre]).toBeCloseTo(k === 0 ? 255 : 128, -1);
    }
  });

  it('blends through the band without a step, where a hard paste would jump', async () => {
    const flat = makeImage(200, 200, 1, new Float32Array(200 * 200).fill(0.2));
    const mask = rectMask(200, 200, [[90, 90, 110, 110]]);
    const largestStep = async (feather: number) => {
      const { images } = await inpaintImage(flat, mask, {
        shape: [1, 28, 28],
        task: fakeInpaint(() => 1, [], true),
        feather,
        dilate: 2,
      });
      const d = images[0]!.data;
      let largest = 0;
      for (let y = 0; y < 199; y++) {
        for (let x = 0; x < 199; x++) {
          const v = d[y * 200 + x]!;
          largest = Math.max(
            largest,
            Math.abs(v - d[y * 200 + x + 1]!),
            Math.abs(v - d[(y + 1) * 200 + x]!),
          );
        }
      }
      return largest;
    };
    const contrast = 0.8;
    const smooth = await largestStep(12);
    expect(smooth).toBeGreaterThan(0.01);
    expect(smooth).toBeLessThanOrEqual((contrast * 1.5 * Math.SQRT2) / 12 + 1e-5);
    expect(await largestStep(0)).toBeCloseTo(contrast, 5);
  });

  it('crops distant islands separately and merges near ones', async () => {
    const image = busyImage(1000, 800, 3);
    const far: Call[] = [];
    const result = await inpaintImage(
      image,
      rectMask(1000, 800, [
        [50, 50, 70, 70],
        [900, 700, 940, 720],
      ]),
      {
        shape: [3, 32, 32],
        task: fakeInpaint(() => 0, far),
        seed: 10,
      },
    );
    expect(result.crops).toHaveLength(2);
    expect(far.map((c) => c.o.seed)).toEqual([10, 11]);
    expect(result.nfe).toBe(6);
    const near: Call[] = [];
    await inpaintImage(
      image,
      rectMask(1000, 800, [
        [400, 400, 420, 420],
        [500, 400, 520, 420],
      ]),
      {
        shape: [3, 32, 32],
        task: fakeInpaint(() => 0, near),
      },
    );
    expect(near).toHaveLength(1);
  });

  it('works on an image smaller than the model', async () => {
    const image = busyImage(20, 16, 3);
    const { images, crops } = await inpaintImage(image, rectMask(20, 16, [[8, 6, 12, 10]]), {
      shape: [3, 28, 28],
      task: fakeInpaint(() => 1),
    });
    expect(crops).toEqual([{ x: 3, y: 1, width: 14, height: 14 }]);
    expect(images[0]!.data[8 * 20 + 10]).toBeCloseTo(1, 1);
    expect(images[0]!.data[0]).toBe(image.data[0]);
  });

  it('reports bad masks, bad options and broken tasks', async () => {
    const image = busyImage(100, 80, 3);
    const hole = rectMask(100, 80, [[40, 30, 50, 40]]);
    const task = fakeInpaint(() => 0);
    const shape = [3, 28, 28] as const;
    await expect(
      inpaintImage(image, rectMask(90, 80, [[1, 1, 2, 2]]), { shape, task }),
    ).rejects.toThrow('mask is 90x80 but the image is 100x80');
    await expect(inpaintImage(image, rectMask(100, 80, []), { shape, task })).rejects.toThrow(
      /mask is empty/,
    );
    await expect(
      inpaintImage(image, hole, { shape, task, margin: 10, feather: 12 }),
    ).rejects.toThrow(/must fit in the margin/);
    const wrong: InpaintTask = async () => ({
      x: tensor(new Float32Array(28 * 28), [1, 1, 28, 28]),
      nfe: 1,
    });
    await expect(inpaintImage(image, hole, { shape, task: wrong })).rejects.toThrow(
      'inpaint task returned [1,1,28,28], expected [1,3,28,28]',
    );
    const controller = new AbortController();
    controller.abort();
    await expect(
      inpaintImage(image, hole, { shape, task, signal: controller.signal }),
    ).rejects.toThrow(/abort/i);
  });

  it('inpaints a 4000x3000 image with a 28x28 model in bounded memory', async () => {
    const start = performance.now();
    const width = 4000;
    const height = 3000;
    const image = busyImage(width, height, 3);
    const mask = rectMask(width, height, [[1000, 800, 1400, 1100]]);
    // A disc of radius 50 far from the rectangle: a second crop.
    for (let y = 2350; y < 2450; y++) {
      for (let x = 3150; x < 3250; x++) {
        if ((x - 3200) ** 2 + (y - 2400) ** 2 <= 2500) mask.data[y * width + x] = 1;
      }
    }
    const { images, crops } = await inpaintImage(image, mask, {
      shape: [3, 28, 28],
      task: fakeInpaint((k) => (k === 0 ? 1 : -1)),
      n: 2,
    });
    const seconds = (performance.now() - start) / 1000;
    const peakMb = process.resourceUsage().maxRSS / 1024;
    console.log(
      `4000x3000 inpaint, 2 samples, ${crops.length} crops: ${seconds.toFixed(1)} s, peak RSS ${peakMb.toFixed(0)} MB`,
    );
    expect(crops).toHaveLength(2);
    expect(images.map((i) => [i.width, i.height])).toEqual([
      [width, height],
      [width, height],
    ]);
    const plane = width * height;
    const centre = 950 * width + 1200;
    expect(images[0]!.data[centre]).toBeCloseTo(1, 2);
    expect(images[1]!.data[plane + centre]).toBeCloseTo(0, 2);
    for (const p of [0, 500 * width + 500, plane - 1])
      expect(images[1]!.data[p]).toBe(image.data[p]);
    // Input, two outputs and the working buffers: well under 2 GB.
    expect(peakMb).toBeLessThan(2000);
  }, 60_000);

  it('reads, colorizes and writes a 4000x3000 JPEG in bounded memory', async () => {
    const width = 4000;
    const height = 3000;
    const image = busyImage(width, height, 3);
    const ioStart = performance.now();
    const photo = join(dir, 'photo.jpg');
    await writeImage(photo, image);
    const decoded = await readImage(photo);
    const colour = await colorizeImage(decoded, {
      shape: [3, 32, 32],
      task: async (_gray, o) => ({
        x: tensor(new Float32Array(o.n * 3 * 32 * 32).fill(0.1), [o.n, 3, 32, 32]),
        nfe: 1,
      }),
    });
    await writeImage(join(dir, 'photo-colour.jpg'), colour.images[0]!);
    const ioSeconds = (performance.now() - ioStart) / 1000;
    const ioPeakMb = process.resourceUsage().maxRSS / 1024;
    console.log(
      `4000x3000 JPEG write + read + colorize + write: ${ioSeconds.toFixed(1)} s, peak RSS ${ioPeakMb.toFixed(0)} MB`,
    );
    expect([colour.images[0]!.width, colour.images[0]!.height]).toEqual([width, height]);
    expect(ioPeakMb).toBeLessThan(2500);
  }, 60_000);
});

describe('colorizeImage', () => {
  /** Gray + a strong chroma pattern in the model range: red-green across, blue-yellow down. */
  const fakeColorize: ColorizeTask = async (gray, o) => {
    const [, , h, w] = gray.shape;
    const plane = h * w;
    const data = new Float32Array(o.n * 3 * plane);
    for (let k = 0; k < o.n; k++) {
      for (let p = 0; p < plane; p++) {
        const g = gray.data[p]!;
        const a = 0.6 * Math.sin((p % w) / 3 + k);
        const b = 0.6 * Math.cos(Math.floor(p / w) / 4);
        data[(k * 3 + 0) * plane + p] = g + a;
        data[(k * 3 + 1) * plane + p] = g - a + b;
        data[(k * 3 + 2) * plane + p] = g - b;
      }
    }
    return { x: tensor(data, [o.n, 3, h, w]), nfe: 7 };
  };

  const lumError = (gray: Float32Array, rgb: RgbImage) => {
    const plane = rgb.width * rgb.height;
    let worst = 0;
    for (let p = 0; p < plane; p++) {
      const mean = (rgb.data[p]! + rgb.data[plane + p]! + rgb.data[2 * plane + p]!) / 3;
      worst = Math.max(worst, Math.abs(mean - gray[p]!));
    }
    return worst;
  };

  it('keeps the input luminance at full resolution and adds colour', async () => {
    const gray = busyImage(640, 480, 1);
    // Bright and dark corners make the chroma leave [0, 1]; it must be scaled, not clipped.
    gray.data.fill(1, 0, 640 * 20);
    gray.data.fill(0, 640 * 460);
    const { images, nfe } = await colorizeImage(gray, {
      shape: [3, 32, 32],
      task: fakeColorize,
      n: 2,
    });
    expect(nfe).toBe(7);
    expect(images).toHaveLength(2);
    for (const img of images) {
      expect([img.width, img.height, img.channels, img.isGray]).toEqual([640, 480, 3, false]);
      expect(img.data.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(lumError(gray.data, img)).toBeLessThan(2e-6);
      let chroma = 0;
      for (let p = 0; p < 640 * 480; p++)
        chroma = Math.max(chroma, Math.abs(img.data[p]! - img.data[640 * 480 + p]!));
      expect(chroma).toBeGreaterThan(0.3);
    }
    const out = join(dir, 'colour.png');
    await writeImage(out, images[0]!);
    expect(lumError(gray.data, await readImage(out))).toBeLessThanOrEqual(0.5 / 255 + 1e-6);
  });

  it('takes the luminance of a colour input, and needs a colour model', async () => {
    const rgb = busyImage(120, 90, 3);
    const plane = 120 * 90;
    const lum = rgb.data
      .slice(0, plane)
      .map((r, p) => (r + rgb.data[plane + p]! + rgb.data[2 * plane + p]!) / 3);
    const { images } = await colorizeImage(rgb, { shape: [3, 28, 28], task: fakeColorize });
    expect(lumError(lum, images[0]!)).toBeLessThan(2e-6);
    await expect(colorizeImage(rgb, { shape: [1, 28, 28], task: fakeColorize })).rejects.toThrow(
      'colorization needs a 3-channel model, this one has 1',
    );
  });
});
