import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../cli/args.ts';
import { tasksBench } from './tasks.ts';

const GAUSSIAN_RGB = join(import.meta.dirname, '..', 'engine', '__fixtures__', 'gaussian-rgb8');

describe('tasksBench', () => {
  it('times every task per sampler and writes the rows as JSON', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'bench-tasks-')), 'tasks.json');
    const lines: string[] = [];
    await tasksBench(
      {
        model: GAUSSIAN_RGB,
        samplers: 'pc,dpm++2m',
        'pc-steps': '30',
        n: '2',
        frames: '3',
        threads: '1',
        out,
      },
      (line) => lines.push(line),
    );
    const { rows } = JSON.parse(await readFile(out, 'utf8')) as {
      rows: { task: string; sampler: string; nfe: number | null }[];
    };
    const nfe = Object.fromEntries(rows.map((r) => [`${r.task} ${r.sampler}`, r.nfe]));
    expect(nfe).toMatchObject({
      'generate pc': 60,
      'generate dpm++2m': 21,
      'inpaint pc': 60,
      'colorize pc': 60,
      'interpolate pc': null,
      'interpolate dpm++2m': 20,
    });
    for (const task of ['encode', 'decode', 'likelihood']) {
      expect(nfe[`${task} rk45`]).toBeGreaterThan(10);
    }
    expect(lines.at(-1)).toBe(`\nwrote ${out}`);
  });

  it('refuses an unknown sampler', async () => {
    await expect(tasksBench({ samplers: 'pc,magic' }, () => undefined)).rejects.toThrow(
      new UsageError(
        '--samplers: unknown sampler "magic" (pc, ode, euler, heun, dpm++2m, dpm++3m, heun-karras)',
      ),
    );
  });
});
