import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeImage } from '../engine/imaging/image.ts';
import { readNpy } from '../engine/io/npy.ts';
import { UsageError } from './args.ts';
import { imagePaths, refuseOverwrite, writeImages } from './task-io.ts';

const dir = mkdtempSync(join(tmpdir(), 'task-io-'));

describe('imagePaths', () => {
  it('numbers the files of several images, keeps one path for one image or a .npy stack', () => {
    expect(imagePaths('/a/fill.png', 1)).toEqual(['/a/fill.png']);
    expect(imagePaths('/a/fill.png', 3)).toEqual([
      '/a/fill-1.png',
      '/a/fill-2.png',
      '/a/fill-3.png',
    ]);
    expect(imagePaths('/a/b.c/fill.JPG', 2)).toEqual(['/a/b.c/fill-1.JPG', '/a/b.c/fill-2.JPG']);
    expect(imagePaths('/a/fills.npy', 4)).toEqual(['/a/fills.npy']);
  });
});

describe('refuseOverwrite', () => {
  it('refuses the input under another spelling or through a link', async () => {
    const input = join(dir, 'photo.png');
    writeFileSync(input, 'x');
    symlinkSync(input, join(dir, 'link.png'));
    for (const out of [join(dir, '.', 'photo.png'), join(dir, 'link.png')]) {
      await expect(refuseOverwrite([join(dir, 'other.png'), out], input)).rejects.toThrow(
        UsageError,
      );
    }
    await expect(refuseOverwrite([join(dir, 'new.png')], input)).resolves.toBeUndefined();
  });
});

describe('writeImages', () => {
  it("stacks full-size images into one .npy in the model's range", async () => {
    const img = (v: number) => makeImage(3, 2, 1, new Float32Array(6).fill(v));
    const path = join(dir, 'stack.npy');
    await writeImages([path], [img(0), img(0.75)], [-1, 1]);
    const npy = await readNpy(path);
    expect(npy.shape).toEqual([2, 1, 2, 3]);
    expect(Array.from(npy.data)).toEqual([...new Array(6).fill(-1), ...new Array(6).fill(0.5)]);
  });
});
