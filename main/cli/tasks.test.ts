import { existsSync, mkdtempSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy } from '../engine/io/npy.ts';
import { cli, CPU, GAUSSIAN_RGB, MIXTURES } from './cli-harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'cli-tasks-'));
const at = (name: string) => join(dir, name);

const W = 40;
const H = 30;
/** The hole of mask.png: x in [15, 25), y in [10, 18). */
const HOLE = { x0: 15, x1: 25, y0: 10, y1: 18 };

/** Raw interleaved 8-bit pixels of a file (sharp decodes gray files to RGB unless told). */
async function pixels(
  path: string,
): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const meta = await sharp(path).metadata();
  const { data, info } = await sharp(path)
    .toColourspace(meta.channels === 1 ? 'b-w' : 'srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

async function writeRaw(path: string, data: Buffer, channels: 1 | 3, width = W, height = H) {
  await sharp(data, { raw: { width, height, channels } })
    .toColourspace(channels === 1 ? 'b-w' : 'srgb')
    .png()
    .toFile(path);
}

beforeAll(async () => {
  const rgb = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 3;
      [rgb[i], rgb[i + 1], rgb[i + 2]] = [(x * 6) % 256, (y * 8) % 256, 128];
    }
  }
  await writeRaw(at('photo.png'), rgb, 3);
  const hole = Buffer.alloc(W * H);
  for (let y = HOLE.y0; y < HOLE.y1; y++) hole.fill(255, y * W + HOLE.x0, y * W + HOLE.x1);
  await writeRaw(at('mask.png'), hole, 1);
  await writeRaw(at('black.png'), Buffer.alloc(W * H), 1);
  await writeRaw(at('white.png'), Buffer.alloc(W * H, 255), 1);
  await writeRaw(at('small-mask.png'), Buffer.alloc(20 * 10, 255), 1, 20, 10);
  const gray = Buffer.alloc(W * H);
  for (let i = 0; i < gray.length; i++) gray[i] = 40 + ((i * 7) % 180);
  await writeRaw(at('gray.png'), gray, 1);
  const small = Buffer.alloc(8 * 8 * 3);
  for (let i = 0; i < small.length; i++) small[i] = 60 + ((i * 37) % 140);
  await writeRaw(at('small.png'), small, 3, 8, 8);
});

const model = ['--model', GAUSSIAN_RGB, ...CPU];

/** Exit code 2, one line on stderr matching `message`, nothing on stdout. */
function expectUsageError(
  run: { code: number | null; stderr: string; stdout: string },
  message: RegExp,
) {
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(message);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stdout).toBe('');
}

describe('inpaint', () => {
  const args = (out: string, ...more: string[]) => [
    'inpaint',
    ...model,
    '--image',
    at('photo.png'),
    '--mask',
    at('mask.png'),
    '--out',
    at(out),
    ...more,
  ];
  /** pc with 100 steps: 200 evaluations, a fraction of a second on the fixture. */
  const quick = ['--steps', '100'];

  it('writes N full-size fills that keep every pixel away from the hole, deterministically', async () => {
    const [a, again, other] = await Promise.all([
      cli(args('fill.png', ...quick, '--n', '2', '--json')),
      cli(args('again.png', ...quick, '--n', '2')),
      cli(args('other.png', ...quick, '--n', '2', '--seed', '5')),
    ]);
    expect([a.code, again.code, other.code]).toEqual([0, 0, 0]);
    const summary = JSON.parse(a.stdout);
    expect(summary).toMatchObject({
      command: 'inpaint',
      sampler: 'pc',
      width: W,
      height: H,
      outputs: [at('fill-1.png'), at('fill-2.png')],
    });
    expect(summary.nfe).toBe(200);
    const input = await pixels(at('photo.png'));
    const [one, two] = await Promise.all([pixels(at('fill-1.png')), pixels(at('fill-2.png'))]);
    expect([one.width, one.height, one.channels]).toEqual([W, H, 3]);
    // Default margin for 40x30: 10 px, so dilate 1 + feather 2; 4 px is clear of the band.
    const band = 4;
    let changedInside = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const far =
          x < HOLE.x0 - band || x >= HOLE.x1 + band || y < HOLE.y0 - band || y >= HOLE.y1 + band;
        const inside = x >= HOLE.x0 && x < HOLE.x1 && y >= HOLE.y0 && y < HOLE.y1;
        for (let c = 0; c < 3; c++) {
          const i = (y * W + x) * 3 + c;
          if (far) expect(one.data[i]).toBe(input.data[i]);
          if (inside && one.data[i] !== input.data[i]) changedInside++;
        }
      }
    }
    expect(changedInside).toBeGreaterThan(100);
    expect(one.data.equals(two.data)).toBe(false);
    const [b1, o1] = await Promise.all([readFile(at('again-1.png')), readFile(at('other-1.png'))]);
    expect(b1.equals(await readFile(at('fill-1.png')))).toBe(true);
    expect(o1.equals(b1)).toBe(false);
  });

  it('writes a .npy stack in the model range', async () => {
    const run = await cli(args('fills.npy', '--n', '3', '--sampler', 'dpm++2m'));
    expect(run.code).toBe(0);
    const npy = decodeNpy(await readFile(at('fills.npy')));
    expect(npy.shape).toEqual([3, 3, H, W]);
    expect(Array.from(npy.data).every((v) => v >= -1 && v <= 1)).toBe(true);
  });

  it('stops on Ctrl-C and writes nothing', async () => {
    let sent = false;
    const run = await cli(args('cancelled.png', '--n', '400'), (text, stop) => {
      // Once: a second Ctrl-C quits at once, without the cancelled line.
      if (!sent && /inpainting/.test(text)) {
        sent = true;
        stop();
      }
    });
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/cancelled\n$/);
    expect(existsSync(at('cancelled.png'))).toBe(false);
  });

  it.each([
    ['a mask of another size', 'small-mask.png', /^error: mask is 20x10 but the image is 40x30/],
    ['an empty mask', 'black.png', /^error: mask is empty/],
    ['a mask over everything', 'white.png', /^error: mask covers the whole image/],
  ])('refuses %s with exit code 2', async (_label, mask, message) => {
    const run = await cli([
      'inpaint',
      ...model,
      '--image',
      at('photo.png'),
      '--mask',
      at(mask),
      '--out',
      at('never.png'),
    ]);
    expectUsageError(run, message);
  });

  it('never writes over the input image', async () => {
    const before = await readFile(at('photo.png'));
    const run = await cli([
      'inpaint',
      ...model,
      '--image',
      at('photo.png'),
      '--mask',
      at('mask.png'),
      '--out',
      join(dir, '.', 'photo.png'),
    ]);
    expectUsageError(run, /^error: --out .*photo\.png is the input image/);
    expect((await readFile(at('photo.png'))).equals(before)).toBe(true);
  });

  it('refuses a feather wider than the margin', async () => {
    const run = await cli(args('x.png', '--margin', '4', '--feather', '8'));
    expectUsageError(run, /^error: --dilate \(0\) \+ --feather \(8\) must fit in --margin \(4\)/);
  });
});

describe('colorize', () => {
  it('colors a gray image at its size and keeps its luminance', async () => {
    const run = await cli([
      'colorize',
      ...model,
      '--image',
      at('gray.png'),
      '--steps',
      '100',
      '--out',
      at('color.png'),
      '--json',
    ]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ command: 'colorize', sampler: 'pc' });
    const [gray, color] = await Promise.all([pixels(at('gray.png')), pixels(at('color.png'))]);
    expect([color.width, color.height, color.channels]).toEqual([W, H, 3]);
    let colorful = 0;
    for (let p = 0; p < W * H; p++) {
      const [r, g, b] = [color.data[3 * p]!, color.data[3 * p + 1]!, color.data[3 * p + 2]!];
      // Each channel is rounded to 8 bits on its own: the mean moves by at most half a level.
      expect(Math.abs((r + g + b) / 3 - gray.data[p]!)).toBeLessThanOrEqual(0.5);
      if (Math.max(r, g, b) - Math.min(r, g, b) > 10) colorful++;
    }
    expect(colorful).toBeGreaterThan(W * H * 0.5);
  });

  it('needs a 3-channel model', async () => {
    const run = await cli([
      'colorize',
      '--model',
      join(MIXTURES, 'vp-d16'),
      ...CPU,
      '--image',
      at('gray.png'),
      '--out',
      at('never.png'),
    ]);
    expectUsageError(run, /^error: colorization needs a 3-channel \(RGB\) model, vp-d16 has 1/);
  });
});

describe('encode and decode', () => {
  it('round-trips an image through its latent code', async () => {
    const enc = await cli([
      'encode',
      ...model,
      '--image',
      at('small.png'),
      '--out',
      at('z.npy'),
      '--json',
    ]);
    expect(enc.code).toBe(0);
    expect(JSON.parse(enc.stdout).outputs).toEqual([at('z.npy')]);
    const dec = await cli(['decode', ...model, '--latent', at('z.npy'), '--out', at('back.npy')]);
    expect(dec.code).toBe(0);
    const z = decodeNpy(await readFile(at('z.npy')));
    expect(z.shape).toEqual([1, 3, 8, 8]);
    const back = decodeNpy(await readFile(at('back.npy'))).data;
    const source = await pixels(at('small.png'));
    let worst = 0;
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < 64; p++) {
        const want = (source.data[3 * p + c]! / 255) * 2 - 1;
        worst = Math.max(worst, Math.abs(back[c * 64 + p]! - want));
      }
    }
    expect(worst).toBeLessThan(1e-2);
  });

  it.each([
    [
      ['encode', '--image', 'photo.png', '--out', 'z.png'],
      /^error: --out: expected a file ending \.npy/,
    ],
    [['decode', '--latent', 'photo.png', '--out', 'x.png'], /^error: --latent: expected a \.npy/],
    [
      ['decode', '--latent', 'fills.npy', '--out', 'x.png'],
      /^error: .*fills\.npy: expected float \[N,3,8,8\]/,
    ],
    [['encode', '--image', 'missing.png', '--out', 'z.npy'], /^error: cannot read .*missing\.png/],
  ])('refuses %j with exit code 2', async (args, message) => {
    const [command, ...rest] = args;
    const run = await cli([command!, ...model, ...rest.map((a) => (a.includes('.') ? at(a) : a))]);
    expectUsageError(run, message);
  });
});

describe('interpolate', () => {
  it('writes a GIF with one page per frame, the same for the same seeds', async () => {
    const walk = (out: string) =>
      cli([
        'interpolate',
        ...model,
        '--seeds',
        '1,2',
        '--frames',
        '6',
        '--scale',
        '2',
        '--out',
        at(out),
        '--json',
      ]);
    const [a, b] = await Promise.all([walk('walk.gif'), walk('walk2.gif')]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(JSON.parse(a.stdout)).toMatchObject({ frames: 6, ends: { seeds: [1, 2] } });
    const meta = await sharp(at('walk.gif')).metadata();
    expect([meta.format, meta.pages, meta.width, meta.height]).toEqual(['gif', 6, 16, 16]);
    expect((await readFile(at('walk.gif'))).equals(await readFile(at('walk2.gif')))).toBe(true);
  });

  it('walks between two images, starting and ending on them', async () => {
    const [rng1, rng2] = [0.3, -0.2];
    const end = (v: number) => encodeNpy(new Float32Array(192).fill(v), [1, 3, 8, 8]);
    await writeFile(at('end1.npy'), end(rng1));
    await writeFile(at('end2.npy'), end(rng2));
    const run = await cli([
      'interpolate',
      ...model,
      '--images',
      `${at('end1.npy')},${at('end2.npy')}`,
      '--frames',
      '3',
      '--sampler',
      'ode',
      '--out',
      at('walk.npy'),
    ]);
    expect(run.code).toBe(0);
    const frames = decodeNpy(await readFile(at('walk.npy')));
    expect(frames.shape).toEqual([3, 3, 8, 8]);
    expect(frames.data[0]).toBeCloseTo(rng1, 2);
    expect(frames.data[2 * 192 + 191]).toBeCloseTo(rng2, 2);
  });

  it.each([
    [
      ['--seeds', '1,2', '--images', 'a.png,b.png'],
      /^error: give either --seeds A,B or --images A,B/,
    ],
    [['--seeds', '1,x'], /^error: --seeds: expected two non-negative integers/],
    [['--seeds', '1,2', '--sampler', 'pc'], /^error: --sampler pc is stochastic/],
    [['--seeds', '1,2', '--frames', '1'], /^error: --frames: expected an integer from 2/],
  ])('refuses %j with exit code 2', async (more, message) => {
    const run = await cli(['interpolate', ...model, ...more, '--out', at('never.gif')]);
    expectUsageError(run, message);
  });
});

describe('likelihood', () => {
  it('gives the closed-form bits/dim of the analytic Gaussian with --exact', async () => {
    const mean = decodeNpy(await readFile(join(GAUSSIAN_RGB, 'mean.npy'))).data;
    const x = Float32Array.from(mean, (v, i) => v + 0.1 * Math.sin(i));
    await writeFile(at('x.npy'), encodeNpy(x, [1, 3, 8, 8]));
    const run = await cli(['likelihood', ...model, '--image', at('x.npy'), '--exact', '--json']);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ command: 'likelihood', divergence: 'exact', outputs: [] });
    // p_eps = N(m mean, (m^2 s0^2 + std^2) I) for the VP SDE of the fixture at eps = 1e-3.
    const [b0, b1, eps, s0, d] = [0.1, 20, 1e-3, 0.1, 192];
    const lmc = (-eps * eps * (b1 - b0)) / 4 - (eps * b0) / 2;
    const m = Math.exp(lmc);
    const v = m * m * s0 * s0 + (1 - Math.exp(2 * lmc));
    let sq = 0;
    for (let i = 0; i < d; i++) sq += (x[i]! - m * mean[i]!) ** 2;
    const logp = -0.5 * d * Math.log(2 * Math.PI * v) - sq / (2 * v);
    const bpd = -logp / (d * Math.LN2) + 7;
    expect(summary.bpd).toBeCloseTo(bpd, 2);
  });

  it('reads a photo and reports bits/dim of its dequantized pixels', async () => {
    const run = await cli(['likelihood', ...model, '--image', at('small.png'), '--probes', '2']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\d+\.\d{4} bits\/dim \(hutchinson \(2 probe\(s\)\)\)/);
  });

  it('refuses --exact with --probes', async () => {
    const run = await cli([
      'likelihood',
      ...model,
      '--image',
      at('small.png'),
      '--exact',
      '--probes',
      '2',
    ]);
    expectUsageError(run, /^error: --exact computes the divergence without probes/);
  });
});
