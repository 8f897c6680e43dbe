import { realpath } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { readImage, writeImage, type RgbImage } from '../engine/imaging/image.ts';
import { toModelTensor, type Range } from '../engine/imaging/tensorize.ts';
import { writeGridPng } from '../engine/io/grid.ts';
import { readNpy, writeNpy } from '../engine/io/npy.ts';
import { tensor, type Tensor } from '../engine/tensor.ts';
import { UsageError } from './args.ts';
import type { CommandContext } from './command.ts';

/** Where a task that works at the model's resolution can write: a raw batch or a grid picture. */
export const BATCH_OUTPUTS = ['.npy', '.png'] as const;
/** Where a full-resolution task (inpaint, colorize) can write. */
export const IMAGE_OUTPUTS = ['.png', '.jpg', '.jpeg', '.webp', '.npy'] as const;

/** The model's [C, H, W] and value range, all the I/O helpers need. */
export interface ModelGeometry {
  shape: readonly [number, number, number];
  manifest: { id: string; image: { range: readonly [number, number] } };
}

/** A photo as the imaging layer reads it; unreadable files are bad input (exit code 2). */
export async function readPhoto(path: string, ctx: CommandContext): Promise<RgbImage> {
  const image = await readImage(path).catch((e: unknown) => {
    throw new UsageError((e as Error).message);
  });
  for (const note of image.notes) ctx.stderr.write(`note: ${note}\n`);
  return image;
}

/**
 * Images for the model-resolution tasks (encode, likelihood, interpolate's ends): a .npy of
 * [C,H,W] or [N,C,H,W] in the model's range as is, or a photo resized to the model's size.
 */
export async function readModelInput(
  path: string,
  model: ModelGeometry,
  ctx: CommandContext,
): Promise<{ x: Tensor; fromPhoto: boolean }> {
  const [c, h, w] = model.shape;
  if (extname(path).toLowerCase() === '.npy') {
    const npy = await readNpy(path).catch((e: unknown) => {
      throw new UsageError((e as Error).message);
    });
    const shape = npy.shape.length === 3 ? [1, ...npy.shape] : npy.shape;
    if (npy.dtype === 'uint8' || shape.length !== 4 || shape.slice(1).join() !== `${c},${h},${w}`) {
      throw new UsageError(
        `${path}: expected float [N,${c},${h},${w}] (model ${model.manifest.id}), ` +
          `got ${npy.dtype} [${npy.shape.join(',')}]`,
      );
    }
    return {
      x: tensor(Float32Array.from(npy.data), [shape[0]!, c, h, w]),
      fromPhoto: false,
    };
  }
  const image = await readPhoto(path, ctx);
  if (image.width !== w || image.height !== h) {
    ctx.stderr.write(
      `note: ${basename(path)} is ${image.width}x${image.height}, resized to the model's ${w}x${h}\n`,
    );
  }
  return { x: toModelTensor(image, model.shape, model.manifest.image.range), fromPhoto: true };
}

/** A non-finite value means a broken model or solver; clipping would hide it as flat gray. */
export function checkFinite(x: Tensor, what: string): void {
  const bad = x.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw new Error(
      `${what} produced non-finite values (${x.data[bad]}), nothing written; ` +
        'try more --steps or another --sampler',
    );
  }
}

/** Samples end slightly outside the data range; files hold values in the documented range. */
export function clip(x: Tensor, [lo, hi]: Range): Tensor {
  return { shape: x.shape, data: x.data.map((v) => Math.min(hi, Math.max(lo, v))) };
}

/** A model-resolution batch as .npy (float32 [N,C,H,W], model range) or a .png grid. */
export async function writeBatch(path: string, x: Tensor, range: Range): Promise<void> {
  const clipped = clip(x, range);
  if (extname(path).toLowerCase() === '.npy') await writeNpy(path, clipped.data, clipped.shape);
  else await writeGridPng(path, clipped, range);
}

/** A .png grid needs 1 or 3 channels; checked before any work. */
export function checkPngChannels(ext: string, model: ModelGeometry): void {
  const [c] = model.shape;
  if (ext === '.png' && c !== 1 && c !== 3) {
    throw new UsageError(
      `--out: a .png holds 1 or 3 channels, ${model.manifest.id} has ${c}; use .npy`,
    );
  }
}

/**
 * The files n full-size results go to: FILE itself for one image or for a .npy stack, otherwise
 * FILE's name with -1, -2, ... before the extension.
 */
export function imagePaths(path: string, n: number): string[] {
  const ext = extname(path);
  if (n === 1 || ext.toLowerCase() === '.npy') return [path];
  const stem = join(dirname(path), basename(path, ext));
  return Array.from({ length: n }, (_, i) => `${stem}-${i + 1}${ext}`);
}

/** The user's input is never replaced: refused before any work, whatever the spelling of the path. */
export async function refuseOverwrite(outputs: readonly string[], input: string): Promise<void> {
  const real = async (p: string) => realpath(p).catch(() => resolve(p));
  const source = await real(input);
  for (const out of outputs) {
    if ((await real(out)) === source) {
      throw new UsageError(`--out ${out} is the input image; write the result to another file`);
    }
  }
}

/**
 * Full-size results: one image per path of imagePaths, or for .npy one float32 [N,C,H,W] stack in
 * the model's range (the same convention as sample's .npy).
 */
export async function writeImages(
  paths: readonly string[],
  images: readonly RgbImage[],
  range: Range,
): Promise<void> {
  if (extname(paths[0]!).toLowerCase() === '.npy') {
    const [lo, hi] = range;
    const { width, height, channels } = images[0]!;
    const size = channels * width * height;
    const data = new Float32Array(images.length * size);
    images.forEach((img, k) => {
      for (let i = 0; i < size; i++) data[k * size + i] = lo + (hi - lo) * img.data[i]!;
    });
    await writeNpy(paths[0]!, data, [images.length, channels, height, width]);
    return;
  }
  for (const [k, img] of images.entries()) await writeImage(paths[k]!, img);
}
