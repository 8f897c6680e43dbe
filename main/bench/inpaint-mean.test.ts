import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../engine/io/npy.ts';
import { APP_ROOT } from '../engine/models-dir.ts';
import { inpaintMeanBench } from './inpaint-mean.ts';

const MODEL = join(APP_ROOT, 'main', 'engine', '__fixtures__', 'gaussian-rgb8');

describe('inpaint-mean bench', () => {
  let dir = '';
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes the mean of n fills, keeping the known pixels of each image', async () => {
    dir = await mkdtemp(join(tmpdir(), 'inpaint-mean-'));
    const size = 3 * 8 * 8;
    const images = Float32Array.from({ length: 3 * size }, (_, i) => Math.sin(i) * 0.5);
    const masks = Float32Array.from({ length: 3 * 64 }, (_, i) => (i % 64 < 32 ? 1 : 0));
    await writeNpy(join(dir, 'images.npy'), images, [3, 3, 8, 8]);
    await writeNpy(join(dir, 'masks.npy'), masks, [3, 1, 8, 8]);
    const lines: string[] = [];
    await inpaintMeanBench(
      {
        model: MODEL,
        images: join(dir, 'images.npy'),
        masks: join(dir, 'masks.npy'),
        count: '2',
        n: '3',
        sampler: 'dpm++3m',
        out: join(dir, 'mean.npy'),
      },
      (l) => lines.push(l),
    );
    const mean = await readNpy(join(dir, 'mean.npy'));
    expect(mean.shape).toEqual([2, 3, 8, 8]);
    for (let i = 0; i < 2; i++) {
      for (let c = 0; c < 3; c++) {
        for (let p = 32; p < 64; p++) {
          const j = i * size + c * 64 + p;
          expect(mean.data[j]).toBeCloseTo(images[j]!, 6);
        }
      }
    }
    expect(JSON.parse(lines[0]!)).toMatchObject({ images: 2, n: 3, sampler: 'dpm++3m' });
  });
});
