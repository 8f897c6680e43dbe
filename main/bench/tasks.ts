import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { flag, UsageError, validateFlags, type RawFlags } from '../cli/args.ts';
import { APP_ROOT, listModels, resolveModelDir } from '../engine/models-dir.ts';
import { SAMPLERS, samplerSpecSchema, type SamplerName } from '../engine/samplers/spec.ts';
import { loadModel, type ScoreModel } from '../engine/score/score-model.ts';
import { colorize } from '../engine/tasks/colorize.ts';
import { decode, encode } from '../engine/tasks/encode.ts';
import { generate } from '../engine/tasks/generate.ts';
import { inpaint } from '../engine/tasks/inpaint.ts';
import { interpolate } from '../engine/tasks/interpolate.ts';
import { likelihood } from '../engine/tasks/likelihood.ts';
import { tensor, type Tensor } from '../engine/tensor.ts';

export const tasksFlags = {
  model: { value: 'M', help: 'model id or folder (default: every bundled model, else fixtures)' },
  samplers: {
    value: 'LIST',
    help:
      'comma-separated samplers (default pc,dpm++3m,heun-karras; add ode for the adaptive ' +
      'solver, which takes ~700 evaluations on inpaint and colorize)',
  },
  'pc-steps': {
    value: 'K',
    help: "pc steps (default 100, not the SDE's N, to keep the run short)",
  },
  n: { value: 'N', help: 'images per task run (default 4)' },
  frames: { value: 'F', help: 'interpolation frames (default 8)' },
  threads: { value: 'T', help: 'CPU threads (default 2)' },
  out: { value: 'FILE', help: 'JSON results (default .runs/bench-tasks.json)' },
} as const;

const schema = z.object({
  model: flag.text().optional(),
  samplers: flag.text().default('pc,dpm++3m,heun-karras'),
  'pc-steps': flag.integer(1, 100_000).default(100),
  n: flag.integer(1, 1024).default(4),
  frames: flag.integer(2, 1000).default(8),
  threads: flag.integer(0, 256).default(2),
  out: flag.text().default(join(APP_ROOT, '.runs', 'bench-tasks.json')),
});

type Flags = z.output<typeof schema>;
type Log = (line: string) => void;

/** The fixtures run when no model is bundled: an RGB one (all tasks) and a gray one. */
const FIXTURES = ['gaussian-rgb8', 'mixtures/vp-d16'].map((name) =>
  join(APP_ROOT, 'main', 'engine', '__fixtures__', name),
);

interface Row {
  model: string;
  task: string;
  sampler: string;
  nfe: number | null;
  seconds: number | null;
  note?: string;
}

/**
 * Network evaluations and wall time of every engine task, per sampler, at the model's resolution
 * (the full-resolution crop and paste of inpaint and colorize cost next to nothing beside them).
 * encode, decode and likelihood always integrate the probability-flow ODE with RK45, so they get
 * one row each.
 */
export async function tasksBench(raw: RawFlags, log: Log): Promise<void> {
  const f = validateFlags(schema, raw);
  const samplers = f.samplers.split(',').map((s) => s.trim());
  const unknown = samplers.find((s) => !(SAMPLERS as readonly string[]).includes(s));
  if (unknown !== undefined) {
    throw new UsageError(`--samplers: unknown sampler "${unknown}" (${SAMPLERS.join(', ')})`);
  }
  const dirs = await modelDirs(f, log);
  const rows: Row[] = [];
  log(
    `${f.n} images per run, pc with ${f['pc-steps']} steps, ${f.threads} threads, cpu\n\n` +
      `${'model'.padEnd(16)} ${'task'.padEnd(12)} ${'sampler'.padEnd(12)} ${'nfe'.padStart(6)} ${'seconds'.padStart(8)}`,
  );
  for (const dir of dirs) {
    const model = await loadModel(dir, { providers: ['cpu'], threads: f.threads });
    try {
      for await (const row of benchModel(model, samplers as SamplerName[], f)) {
        rows.push(row);
        const nfe = row.nfe === null ? '-' : String(row.nfe);
        const seconds = row.seconds === null ? '-' : row.seconds.toFixed(2);
        log(
          `${row.model.padEnd(16)} ${row.task.padEnd(12)} ${row.sampler.padEnd(12)} ` +
            `${nfe.padStart(6)} ${seconds.padStart(8)}${row.note ? `  ${row.note}` : ''}`,
        );
      }
    } finally {
      await model.dispose();
    }
  }
  const results = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      platform: process.platform,
    },
    settings: { ...f, samplers },
    rows,
  };
  await mkdir(dirname(f.out), { recursive: true });
  await writeFile(f.out, `${JSON.stringify(results, null, 2)}\n`);
  log(`\nwrote ${f.out}`);
}

async function modelDirs(f: Flags, log: Log): Promise<string[]> {
  if (f.model !== undefined) {
    return [
      await resolveModelDir(f.model).catch((e: unknown) => {
        throw new UsageError((e as Error).message);
      }),
    ];
  }
  const bundled = (await listModels([join(APP_ROOT, 'models')])).filter((m) => !m.error);
  if (bundled.length > 0) return bundled.map((m) => m.dir);
  log('no bundled models (models/*/model.json): timing the analytic test fixtures instead');
  return FIXTURES;
}

async function timedRun<T extends { nfe: number }>(
  work: () => Promise<T>,
): Promise<{ out: T; nfe: number; seconds: number }> {
  const start = performance.now();
  const out = await work();
  return { out, nfe: out.nfe, seconds: round((performance.now() - start) / 1000) };
}

/** Every task on one model; the first generated batch is the input of the conditional tasks. */
async function* benchModel(
  model: ScoreModel,
  samplers: readonly SamplerName[],
  f: Flags,
): AsyncGenerator<Row> {
  const id = model.manifest.id;
  const [c, h, w] = model.shape;
  const specOf = (sampler: SamplerName) =>
    samplerSpecSchema.parse({ sampler, ...(sampler === 'pc' ? { steps: f['pc-steps'] } : {}) });
  let image: Tensor | undefined;
  for (const sampler of samplers) {
    const spec = specOf(sampler);
    const run = await timedRun(() => generate(model, { spec, n: f.n, seed: 1 }));
    image ??= tensor(run.out.x.data.slice(0, c * h * w), [1, c, h, w]);
    yield { model: id, task: 'generate', sampler, nfe: run.nfe, seconds: run.seconds };
  }
  if (!image) return;
  const known = image;
  // A centred hole over a quarter of the image.
  const mask = new Float32Array(h * w);
  for (let y = Math.floor(h / 4); y < Math.ceil((3 * h) / 4); y++) {
    mask.fill(1, y * w + Math.floor(w / 4), y * w + Math.ceil((3 * w) / 4));
  }
  for (const sampler of samplers) {
    const spec = specOf(sampler);
    const run = await timedRun(() => inpaint(model, known, mask, { spec, n: f.n, seed: 2 }));
    yield { model: id, task: 'inpaint', sampler, nfe: run.nfe, seconds: run.seconds };
  }
  for (const sampler of samplers) {
    if (c !== 3) {
      yield { model: id, task: 'colorize', sampler, nfe: null, seconds: null, note: 'needs RGB' };
      continue;
    }
    const gray = new Float32Array(h * w);
    for (let p = 0; p < h * w; p++) {
      gray[p] = (known.data[p]! + known.data[h * w + p]! + known.data[2 * h * w + p]!) / 3;
    }
    const spec = specOf(sampler);
    const run = await timedRun(() =>
      colorize(model, tensor(gray, [1, 1, h, w]), { spec, n: f.n, seed: 3 }),
    );
    yield { model: id, task: 'colorize', sampler, nfe: run.nfe, seconds: run.seconds };
  }
  for (const sampler of samplers) {
    if (sampler === 'pc') {
      yield { model: id, task: 'interpolate', sampler, nfe: null, seconds: null, note: 'ODE only' };
      continue;
    }
    const spec = specOf(sampler);
    const run = await timedRun(() =>
      interpolate(model, { seeds: [4, 5] }, f.frames, { spec, seed: 0 }),
    );
    yield { model: id, task: 'interpolate', sampler, nfe: run.nfe, seconds: run.seconds };
  }
  const tol = { rtol: 1e-5, atol: 1e-5 };
  const batch = tensor(
    Float32Array.from({ length: f.n * c * h * w }, (_, i) => known.data[i % (c * h * w)]!),
    [f.n, c, h, w],
  );
  const enc = await timedRun(() => encode(model, batch, tol));
  yield { model: id, task: 'encode', sampler: 'rk45', nfe: enc.nfe, seconds: enc.seconds };
  const dec = await timedRun(() => decode(model, enc.out.z, tol));
  let worst = 0;
  for (let i = 0; i < batch.data.length; i++) {
    worst = Math.max(worst, Math.abs(dec.out.x.data[i]! - batch.data[i]!));
  }
  yield {
    model: id,
    task: 'decode',
    sampler: 'rk45',
    nfe: dec.nfe,
    seconds: dec.seconds,
    note: `round trip max error ${worst.toExponential(1)}`,
  };
  const lik = await timedRun(() =>
    likelihood(model, batch, { ...tol, probes: 1, range: model.manifest.image.range }),
  );
  const bpd = Array.from(lik.out.bpd).reduce((a, b) => a + b, 0) / lik.out.bpd.length;
  yield {
    model: id,
    task: 'likelihood',
    sampler: 'rk45',
    nfe: lik.nfe,
    seconds: lik.seconds,
    note: `${bpd.toFixed(3)} bits/dim (1 probe)`,
  };
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
