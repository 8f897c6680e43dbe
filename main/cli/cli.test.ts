import { existsSync, mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeNpy } from '../engine/io/npy.ts';
import { cli, MIXTURES, ROOT } from './cli-harness.ts';

// Created at collection time: the bad-input table below builds its paths from it.
const out = mkdtempSync(join(tmpdir(), 'cli-'));

const base = (model: string, file: string, ...more: string[]) => [
  'sample',
  '--model',
  join(MIXTURES, model),
  '--provider',
  'cpu',
  '--threads',
  '1',
  '--out',
  join(out, file),
  ...more,
];

describe('sample', () => {
  it('writes float32 [N,C,H,W] .npy and reports one JSON line', async () => {
    const run = await cli(base('vp', 'a.npy', '--n', '5', '--sampler', 'heun-karras', '--json'));
    expect(run.stderr).not.toMatch(/error/);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0]!);
    expect(summary).toMatchObject({
      sampler: 'heun-karras',
      provider: 'cpu',
      outputs: [join(out, 'a.npy')],
    });
    // The engine's default steps, resolved, and Heun's two evaluations per step (+1 denoising).
    expect(summary.settings).toEqual({ steps: expect.any(Number) });
    expect(summary.nfe).toBe(2 * summary.settings.steps + 1);
    expect(summary.seconds).toBeGreaterThan(0);
    const npy = decodeNpy(await readFile(join(out, 'a.npy')));
    expect(npy.dtype).toBe('float32');
    expect(npy.shape).toEqual([5, 1, 1, 2]);
    expect(Array.from(npy.data).every((v) => v >= -1 && v <= 1)).toBe(true);
  });

  it('gives byte-identical samples for the same seed, other samples for another', async () => {
    const args = (file: string, seed: string) =>
      base('ve', file, '--n', '6', '--sampler', 'pc', '--steps', '30', '--seed', seed);
    const [a, b, c] = await Promise.all([
      cli(args('s1.npy', '11')),
      cli(args('s2.npy', '11')),
      cli(args('s3.npy', '12')),
    ]);
    expect([a.code, b.code, c.code]).toEqual([0, 0, 0]);
    const [x, y, z] = await Promise.all(
      ['s1.npy', 's2.npy', 's3.npy'].map((f) => readFile(join(out, f))),
    );
    expect(x!.equals(y!)).toBe(true);
    expect(x!.equals(z!)).toBe(false);
  });

  it('writes a gray PNG grid', async () => {
    const run = await cli(base('vp-d16', 'grid.png', '--n', '5', '--steps', '8'));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^wrote .*grid\.png: 5 samples of vp-d16, /);
    const meta = await sharp(join(out, 'grid.png')).metadata();
    // 5 images of 4x4: 3 per row, 2 rows, 2-pixel gaps.
    expect([meta.format, meta.channels, meta.width, meta.height]).toEqual(['png', 1, 16, 10]);
  });

  it('stops on Ctrl-C between evaluations and writes nothing', async () => {
    const file = join(out, 'cancelled.npy');
    const run = await cli(
      // Long enough (100k evaluations) that the run cannot finish before the signal arrives.
      base('vp-d16', 'cancelled.npy', '--n', '64', '--sampler', 'pc', '--steps', '50000'),
      (text, kill) => {
        if (/sampling/.test(text)) kill();
      },
    );
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/cancelled\n$/);
    expect(existsSync(file)).toBe(false);
  });
});

describe('sample --class', () => {
  it('samples the named class through the classifier, by name or index', async () => {
    // Component "c" of the vp mixture sits at (0.5, -0.5), the others at least 0.7 away.
    const [byName, byIndex] = await Promise.all([
      cli(base('vp', 'c.npy', '--n', '200', '--class', 'c', '--json')),
      cli(base('vp', 'c2.npy', '--n', '200', '--class', '2', '--guidance', '1')),
    ]);
    expect([byName.code, byIndex.code]).toEqual([0, 0]);
    expect(JSON.parse(byName.stdout)).toMatchObject({ class: 'c', guidance: 1 });
    expect(byIndex.stdout).toMatch(/of class "c"/);
    const x = decodeNpy(await readFile(join(out, 'c.npy'))).data;
    let near = 0;
    for (let i = 0; i < 200; i++)
      near += Math.hypot(x[2 * i]! - 0.5, x[2 * i + 1]! + 0.5) < 0.3 ? 1 : 0;
    expect(near).toBeGreaterThan(190);
    const same = await readFile(join(out, 'c2.npy'));
    expect(same.equals(await readFile(join(out, 'c.npy')))).toBe(true);
  });

  it.each([
    [
      'an unknown class',
      ['--class', 'z'],
      /^error: --class: model vp has no class "z"; valid: 0 "a"/,
    ],
    ['a class index out of range', ['--class', '3'], /^error: --class: model vp has no class "3"/],
    ['--guidance alone', ['--guidance', '2'], /^error: --guidance weighs the classifier/],
    [
      'negative guidance',
      ['--class', 'a', '--guidance', '-1'],
      /^error: --guidance: expected a non/,
    ],
  ])('refuses %s with exit code 2', async (_label, more, message) => {
    const run = await cli(base('vp', 'bad-class.npy', ...more));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('bad input', () => {
  it.each([
    ['unknown command', ['frob'], /^error: unknown command "frob"/],
    ['unknown flag', base('vp', 'x.npy', '--bogus'), /^error: unknown flag --bogus/],
    ['missing value', base('vp', 'x.npy', '--n'), /^error: --n needs a value/],
    ['non-numeric value', base('vp', 'x.npy', '--n', 'many'), /^error: --n: expected an integer/],
    ['value out of range', base('vp', 'x.npy', '--snr', '-1'), /^error: --snr: expected number/],
    ['unknown model id', ['sample', '--model', 'nope', '--out', 'x.npy'], /^error: unknown model/],
    [
      'folder without model.json',
      ['sample', '--model', 'main', '--out', 'x.npy'],
      /^error: not a model folder: .*main has no model.json/,
    ],
    [
      'out in a missing folder',
      base('vp', join('missing-dir', 'x.npy')),
      /^error: --out: folder .*missing-dir does not exist/,
    ],
    ['unknown out extension', base('vp', 'x.jpg'), /^error: --out: expected a file ending .npy/],
    ['missing --model', ['sample', '--out', 'x.npy'], /^error: missing required flag --model/],
  ])('exits with code 2 and one line: %s', async (_label, args, message) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stdout).toBe('');
  });
});

describe('models', () => {
  it('lists models as one JSON line', async () => {
    const run = await cli(['models', '--json']);
    expect(run.code).toBe(0);
    const listed = JSON.parse(run.stdout);
    expect(listed.roots).toEqual([join(ROOT, 'models')]);
    expect(Array.isArray(listed.models)).toBe(true);
  });
});
