import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { makeImage, type RgbImage } from '../engine/imaging/image.ts';
import { samplerSpecSchema } from '../engine/samplers/spec.ts';
import { parseManifest } from '../engine/score/manifest.ts';
import { sdeFromParams } from '../engine/sde/params.ts';
import { gaussianScore } from '../engine/testing/analytic-gaussian.ts';
import { runWork, type EngineModel, type WorkProgress } from './engine-work.ts';
import { imagePayload } from './jobs.ts';

/** An exact-score RGB model of 8x8 images: data N(0, 0.5^2 I), fast and deterministic. */
function rgbModel(): EngineModel {
  const params = { type: 'vp', beta_min: 0.1, beta_max: 20, N: 1000, eps: 0.001 } as const;
  const sde = sdeFromParams(params);
  return {
    sde,
    shape: [3, 8, 8],
    score: gaussianScore(sde, 0, 0.5),
    manifest: parseManifest({
      format: 1,
      id: 'gauss-rgb',
      name: 'Gaussian',
      image: { channels: 3, height: 8, width: 8, range: [-1, 1] },
      sde: params,
      score: { file: 'score.onnx', predicts: 'score' },
      license: 'MIT',
      data: 'none',
    }),
  };
}

function photo(width: number, height: number, channels: 1 | 3): RgbImage {
  const data = new Float32Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 37) % 251) / 255;
  return makeImage(width, height, channels, data);
}

const spec = samplerSpecSchema.parse({ sampler: 'euler', steps: 6 });

async function pixels(png: Uint8Array, channels: number) {
  const { data, info } = await sharp(png)
    .toColourspace(channels === 1 ? 'b-w' : 'srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, info };
}

function context(progress: WorkProgress[] = []) {
  return {
    signal: new AbortController().signal,
    onProgress: (p: WorkProgress) => progress.push(p),
  };
}

describe('engine work', () => {
  it('inpaints a full-size photo and leaves pixels far from the mask alone', async () => {
    const image = photo(48, 32, 3);
    const mask = new Uint8Array(48 * 32);
    for (let y = 10; y < 16; y++) for (let x = 4; x < 10; x++) mask[y * 48 + x] = 1;
    const progress: WorkProgress[] = [];
    const out = await runWork(
      {
        kind: 'inpaint',
        modelDir: 'm',
        image: imagePayload(image),
        mask: { width: 48, height: 32, data: mask },
        n: 2,
        seed: 1,
        spec,
        margin: 8,
      },
      rgbModel(),
      context(progress),
    );
    expect(out.results.map((r) => [r.width, r.height])).toEqual([
      [48, 32],
      [48, 32],
    ]);
    const { data } = await pixels(out.results[0]!.png, 3);
    // Far right column: untouched, the source's 8-bit values exactly.
    for (let y = 0; y < 32; y++) {
      for (let c = 0; c < 3; c++) {
        expect(data[(y * 48 + 47) * 3 + c]).toBe(
          Math.round(image.data[c * 48 * 32 + y * 48 + 47]! * 255),
        );
      }
    }
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p, i) => i === 0 || p.fraction >= progress[i - 1]!.fraction)).toBe(true);
  });

  it('colorizes a gray scan at its own size', async () => {
    const out = await runWork(
      {
        kind: 'colorize',
        modelDir: 'm',
        image: imagePayload(photo(20, 12, 1)),
        n: 1,
        seed: 0,
        spec,
      },
      rgbModel(),
      context(),
    );
    expect(out.results).toHaveLength(1);
    const { info } = await pixels(out.results[0]!.png, 3);
    expect([info.width, info.height, info.channels]).toEqual([20, 12, 3]);
  });

  it('interpolates between two documents through their latent codes, with a GIF', async () => {
    const progress: WorkProgress[] = [];
    const out = await runWork(
      {
        kind: 'interpolate',
        modelDir: 'm',
        ends: { images: [imagePayload(photo(16, 16, 3)), imagePayload(photo(10, 10, 1))] },
        frames: 4,
        seed: 0,
        spec: samplerSpecSchema.parse({ sampler: 'heun', steps: 4, rtol: 1e-3, atol: 1e-3 }),
      },
      rgbModel(),
      context(progress),
    );
    expect(out.results).toHaveLength(4);
    expect((await sharp(out.gif!).metadata()).pages).toBe(4);
    // Encode is the first half of the job, decode the second.
    expect(progress.some((p) => p.fraction < 0.5)).toBe(true);
    expect(progress.some((p) => p.fraction > 0.5)).toBe(true);
  });

  it('refuses class-conditional generation without a classifier', async () => {
    await expect(
      runWork(
        { kind: 'generate', modelDir: 'm', n: 1, seed: 0, spec, classLabel: 'cat' },
        rgbModel(),
        context(),
      ),
    ).rejects.toThrow(/no classifier/);
  });
});
