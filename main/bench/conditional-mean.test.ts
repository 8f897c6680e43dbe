import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError, type RawFlags } from '../cli/args.ts';
import { readNpy, writeNpy } from '../engine/io/npy.ts';
import { APP_ROOT } from '../engine/models-dir.ts';
import { conditionalMeanBench, pixelMoments } from './conditional-mean.ts';

/** The exact score of an 8x8 RGB Gaussian: a 3-channel model that samples in milliseconds. */
const MODEL = join(APP_ROOT, 'main', 'engine', '__fixtures__', 'gaussian-rgb8');
const PIXELS = 64;
const SIZE = 3 * PIXELS;

describe('conditional-mean bench', () => {
  let dir = '';
  const at = (name: string) => join(dir, name);
  const run = async (flags: RawFlags) => {
    const lines: string[] = [];
    await conditionalMeanBench({ model: MODEL, ...flags }, (l) => lines.push(l));
    return JSON.parse(lines[0]!) as Record<string, unknown>;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'conditional-mean-'));
    const images = Float32Array.from({ length: 3 * SIZE }, (_, i) => Math.sin(i) * 0.5);
    const masks = Float32Array.from({ length: 3 * PIXELS }, (_, i) => (i % PIXELS < 32 ? 1 : 0));
    const gray = Float32Array.from({ length: 3 * PIXELS }, (_, i) => Math.cos(i) * 0.6);
    await writeNpy(at('images.npy'), images, [3, 3, 8, 8]);
    await writeNpy(at('masks.npy'), masks, [3, 1, 8, 8]);
    await writeNpy(at('gray.npy'), gray, [3, 1, 8, 8]);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('inpaint: writes the mean of n fills, keeping the known pixels of each image', async () => {
    const report = await run({
      images: at('images.npy'),
      masks: at('masks.npy'),
      count: '2',
      n: '3',
      sampler: 'dpm++3m',
      out: at('inpaint.npy'),
    });
    const images = (await readNpy(at('images.npy'))).data;
    const mean = await readNpy(at('inpaint.npy'));
    expect(mean.shape).toEqual([2, 3, 8, 8]);
    for (let i = 0; i < 2; i++) {
      for (let c = 0; c < 3; c++) {
        for (let p = 32; p < PIXELS; p++) {
          const j = i * SIZE + c * PIXELS + p;
          expect(mean.data[j]).toBeCloseTo(images[j]!, 6);
        }
      }
    }
    expect(report).toMatchObject({ task: 'inpaint', images: 2, n: 3, sampler: 'dpm++3m' });
    expect(report['nfe']).toBeGreaterThan(0);
  });

  it('colorize: the mean of n colorizations has the gray input as its channel mean', async () => {
    const report = await run({
      task: 'colorize',
      images: at('gray.npy'),
      n: '2',
      sampler: 'dpm++2m',
      steps: '8',
      out: at('colorize.npy'),
    });
    const gray = (await readNpy(at('gray.npy'))).data;
    const mean = await readNpy(at('colorize.npy'));
    expect(mean.shape).toEqual([3, 3, 8, 8]);
    let spread = 0;
    for (let i = 0; i < 3; i++) {
      for (let p = 0; p < PIXELS; p++) {
        const rgb = [0, 1, 2].map((c) => mean.data[i * SIZE + c * PIXELS + p]!);
        expect((rgb[0]! + rgb[1]! + rgb[2]!) / 3).toBeCloseTo(gray[i * PIXELS + p]!, 5);
        spread = Math.max(spread, Math.max(...rgb) - Math.min(...rgb));
      }
    }
    // Colour, not the gray copied to every channel: the Gaussian's mean image is coloured.
    expect(spread).toBeGreaterThan(0.05);
    expect(report).toMatchObject({ task: 'colorize', images: 3, n: 2, sampler: 'dpm++2m' });
    expect(report['settings']).toEqual({ steps: 8 });
  });

  it('takes the CLI sampler flags, and reports the PC corrector it ran', async () => {
    const report = await run({
      images: at('images.npy'),
      masks: at('masks.npy'),
      count: '1',
      n: '2',
      steps: '25',
      snr: '0.3',
      'corrector-steps': '2',
      out: at('pc.npy'),
    });
    expect(report).toMatchObject({ sampler: 'pc', settings: { steps: 25 }, snr: 0.3 });
    expect(report).toMatchObject({ corrector: 'langevin', correctorSteps: 2 });
    // A predictor and two corrector evaluations per step.
    expect(report['nfe']).toBe(75);
  });

  it('--variance: the variance of the mean, the conditional variance / n, zero where known', async () => {
    const n = 16;
    const report = await run({
      images: at('images.npy'),
      masks: at('masks.npy'),
      count: '2',
      n: String(n),
      out: at('mean.npy'),
      variance: at('variance.npy'),
    });
    const variance = await readNpy(at('variance.npy'));
    expect(variance.shape).toEqual([2, 3, 8, 8]);
    expect(report['variance']).toBe(at('variance.npy'));
    let filled = 0;
    let count = 0;
    for (let i = 0; i < 2 * SIZE; i++) {
      if (i % PIXELS < 32) {
        filled += variance.data[i]!;
        count++;
      } else {
        expect(variance.data[i]).toBeLessThan(1e-10);
      }
    }
    // Given the known pixels, each filled pixel of the N(mean, 0.1^2 I) fixture is N(its mean,
    // 0.01): the mean over 192 pixels of 15-dof variance estimates is within a few percent of it.
    expect((filled / count) * n).toBeGreaterThan(0.01 * 0.85);
    expect((filled / count) * n).toBeLessThan(0.01 * 1.15);
  });

  it('pixelMoments: the mean and the unbiased variance of the mean, pixel by pixel', () => {
    // Three samples of two pixels, written at offset 2 of four-pixel outputs.
    const samples = Float32Array.from([1, 10, 2, 10, 6, 10]);
    const mean = new Float32Array(4);
    const variance = new Float32Array(4);
    pixelMoments(samples, 3, 2, 2, mean, variance);
    expect(Array.from(mean)).toEqual([0, 0, 3, 10]);
    // Pixel 0: deviations -2, -1, 3; 14 / (3 - 1) / 3.
    expect(variance[2]).toBeCloseTo(14 / 6, 6);
    expect(variance[3]).toBe(0);
  });

  it('refuses input that does not fit the task', async () => {
    await expect(
      run({
        images: at('images.npy'),
        masks: at('masks.npy'),
        n: '1',
        variance: at('v.npy'),
        out: at('o.npy'),
      }),
    ).rejects.toThrow(/--variance needs --n 2 or more/);
    const out = at('bad.npy');
    await expect(run({ images: at('images.npy'), out })).rejects.toThrow(/needs --masks/);
    await expect(run({ task: 'colorize', images: at('images.npy'), out })).rejects.toThrow(
      /--images \(gray\): expected \[3,1,8,8\], got \[3,3,8,8\]/,
    );
    await expect(
      run({ task: 'colorize', images: at('gray.npy'), masks: at('masks.npy'), out }),
    ).rejects.toBeInstanceOf(UsageError);
    await expect(run({ images: at('gray.npy'), masks: at('masks.npy'), out })).rejects.toThrow(
      /--images: expected \[3,3,8,8\]/,
    );
  });
});
