import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { Tensor as OrtTensor } from 'onnxruntime-node';
import { z } from 'zod';
import { flag, validateFlags, type RawFlags } from '../cli/args.ts';
import { APP_ROOT, resolveModelDir } from '../engine/models-dir.ts';
import { createRng } from '../engine/rng.ts';
import { runSampler } from '../engine/samplers/index.ts';
import {
  SAMPLERS,
  SCHEDULES,
  samplerSpecSchema,
  type SamplerName,
  type SamplerSpecInput,
} from '../engine/samplers/spec.ts';
import { openSession } from '../engine/score/onnx-session.ts';
import { loadModel } from '../engine/score/score-model.ts';

export const engineFlags = {
  model: { value: 'M', help: 'U-Net-sized model id or folder (default fashion28-vp)' },
  batch: { value: 'B', help: 'images per network evaluation (default 16)' },
  threads: { value: 'T', help: 'CPU threads (default 2)' },
  repeats: { value: 'R', help: 'timed raw session.run calls (default 20)' },
  steps: { value: 'K', help: 'dpm++2m steps of the timed sampler run (default 20)' },
  n: { value: 'N', help: 'samples per mixture sampler run (default 2000)' },
  'skip-unet': { help: 'only the mixture part' },
  'skip-mixtures': { help: 'only the U-Net part' },
  out: { value: 'FILE', help: 'JSON results (default .runs/bench-engine.json)' },
} as const;

const schema = z.object({
  model: flag.text().default('fashion28-vp'),
  batch: flag.integer(1, 1024).default(16),
  threads: flag.integer(0, 256).default(2),
  repeats: flag.integer(1, 10_000).default(20),
  steps: flag.integer(1, 1000).default(20),
  n: flag.integer(1, 100_000).default(2000),
  'skip-unet': flag.switch(),
  'skip-mixtures': flag.switch(),
  out: flag.text().default(join(APP_ROOT, '.runs', 'bench-engine.json')),
});

type Flags = z.output<typeof schema>;
type Log = (line: string) => void;

/**
 * Engine overhead and sampler cost. Part 1: a U-Net-sized network on the CPU, raw session.run
 * time per evaluation against a real sampler's wall time per evaluation through ScoreModel (goal:
 * ratio <= 1.05, i.e. the engine adds at most 5% to the network). Part 2: on the analytic
 * mixtures, the evaluations each sampler takes at its defaults and how close its samples come to
 * the known distribution.
 */
export async function engineBench(raw: RawFlags, log: Log): Promise<void> {
  const f = validateFlags(schema, raw);
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      platform: process.platform,
    },
  };
  if (!f['skip-unet']) results['unet'] = await unetOverhead(f, log);
  if (!f['skip-mixtures']) results['mixtures'] = await mixtureNfe(f, log);
  await mkdir(dirname(f.out), { recursive: true });
  await writeFile(f.out, `${JSON.stringify(results, null, 2)}\n`);
  log(`\nwrote ${f.out}`);
}

async function unetOverhead(f: Flags, log: Log): Promise<unknown> {
  let dir: string;
  try {
    dir = await resolveModelDir(f.model);
  } catch (e) {
    log(`U-Net part skipped: ${(e as Error).message}`);
    log(
      '  train and export it first: cd models && python3 -m training.train --config fashion28-vp ' +
        '&& python3 -m training.export_score --config fashion28-vp --out fashion28-vp; ' +
        'or pass --model PATH to any U-Net-sized model folder',
    );
    return { skipped: (e as Error).message };
  }
  const model = await loadModel(dir, { providers: ['cpu'], threads: f.threads, maxBatch: f.batch });
  const [c, h, w] = model.shape;
  log(
    `U-Net part: ${model.manifest.id} (${c}x${h}x${w}), batch ${f.batch}, ${f.threads} threads, cpu`,
  );

  // The same graph in a bare session: what the network costs without any engine code around it.
  const { session } = await openSession(join(dir, model.manifest.score.file), {
    providers: ['cpu'],
    threads: f.threads,
  });
  const rng = createRng(1);
  const feeds = {
    x: new OrtTensor('float32', rng.normal(f.batch * c * h * w), [f.batch, c, h, w]),
    t: new OrtTensor('float32', new Float32Array(f.batch).fill(0.5), [f.batch]),
  };
  const bareRun = async (): Promise<number> => {
    for (let i = 0; i < 2; i++) await session.run(feeds); // warm-up
    const start = performance.now();
    for (let i = 0; i < f.repeats; i++) await session.run(feeds);
    return (performance.now() - start) / f.repeats;
  };

  const spec = samplerSpecSchema.parse({ sampler: 'dpm++2m', steps: f.steps });
  /** Rounds of sampler runs per variant; their evaluations are pooled. */
  const rounds = 2;
  const samplerRuns = async (withPreview: boolean) => {
    let nfe = 0;
    let wall = 0;
    let network = 0;
    for (let i = 0; i < rounds; i++) {
      const srng = createRng(2 + i);
      const x = model.sde.priorSample([f.batch, c, h, w], srng);
      const network0 = model.networkMs;
      const start = performance.now();
      const result = await runSampler(spec, model.score, model.sde, x, {
        rng: srng,
        // The CLI and the app ask for previews; they cost one pass over the batch per evaluation.
        ...(withPreview ? { onStep: () => undefined } : {}),
      });
      wall += performance.now() - start;
      network += model.networkMs - network0;
      nfe += result.nfe;
    }
    return {
      nfe: nfe / rounds,
      wallPerEval: wall / nfe,
      networkPerEval: network / nfe,
      ratio: wall / network,
    };
  };

  // Two busy cores make timings drift by tens of percent between runs, so the ratio that counts
  // compares a sampler run's wall time with the session.run time inside that same run. A bare
  // session, timed before and after, shows what the network costs with no engine code at all.
  const bareBefore = await bareRun();
  // One untimed run first: onnxruntime allocates its buffers for the new batch size and V8
  // optimizes the sampler's loops, neither of which belongs to the steady state being measured.
  const warm = model.sde.priorSample([f.batch, c, h, w], rng);
  await runSampler(spec, model.score, model.sde, warm, { rng });
  const plain = await samplerRuns(false);
  const preview = await samplerRuns(true);
  const bareAfter = await bareRun();
  await session.release();
  await model.dispose();
  const figures = {
    model: model.manifest.id,
    batch: f.batch,
    threads: f.threads,
    sampler: 'dpm++2m',
    steps: f.steps,
    nfe: plain.nfe,
    bareSessionMsPerEval: round((bareBefore + bareAfter) / 2),
    bareSessionMsBefore: round(bareBefore),
    bareSessionMsAfter: round(bareAfter),
    sessionRunMsPerEval: round(plain.networkPerEval),
    samplerMsPerEval: round(plain.wallPerEval),
    ratio: round(plain.ratio, 3),
    samplerWithPreviewMsPerEval: round(preview.wallPerEval),
    ratioWithPreview: round(preview.ratio, 3),
    goal: 1.05,
  };
  log(
    `  bare session.run       ${figures.bareSessionMsPerEval} ms/eval ` +
      `(before ${figures.bareSessionMsBefore}, after ${figures.bareSessionMsAfter})`,
  );
  log(`  session.run in sampler ${figures.sessionRunMsPerEval} ms/eval`);
  log(
    `  sampler wall time      ${figures.samplerMsPerEval} ms/eval over ${rounds} runs of ${plain.nfe} evaluations`,
  );
  log(
    `  ratio                  ${figures.ratio} (goal <= 1.05: ${figures.ratio <= 1.05 ? 'met' : 'NOT met'})`,
  );
  log(
    `  with previews          ${figures.samplerWithPreviewMsPerEval} ms/eval, ratio ${figures.ratioWithPreview}`,
  );
  return figures;
}

interface Mixture {
  weights: number[];
  means: number[][];
  stds: number[];
}

const mixtureSchema = z.object({
  weights: z.array(z.number()),
  means: z.array(z.array(z.number())),
  stds: z.array(z.number()),
});

/** Samplers whose steps follow a schedule (spec.schedule); the others ignore it. */
const SCHEDULED: readonly SamplerName[] = ['dpm++2m', 'dpm++3m', 'heun-karras'];

/**
 * Sampler settings compared on the mixtures: each sampler at its defaults, pc and ode also cheaper,
 * and every step schedule of the scheduled samplers (to choose their defaults).
 */
const MIXTURE_RUNS: { label: string; spec: SamplerSpecInput }[] = [
  ...SAMPLERS.map((sampler: SamplerName) => ({ label: sampler, spec: { sampler } })),
  { label: 'pc (200 steps)', spec: { sampler: 'pc', steps: 200 } },
  { label: 'ode (rtol=atol=1e-3)', spec: { sampler: 'ode', rtol: 1e-3, atol: 1e-3 } },
  ...SAMPLERS.filter((s) => SCHEDULED.includes(s)).flatMap((sampler) =>
    SCHEDULES.map((schedule) => ({ label: `${sampler} ${schedule}`, spec: { sampler, schedule } })),
  ),
];

async function mixtureNfe(f: Flags, log: Log): Promise<unknown[]> {
  const root = join(APP_ROOT, 'main', 'engine', '__fixtures__', 'mixtures');
  const rows: unknown[] = [];
  log(
    `\nMixture part: ${f.n} samples per run; weight error = max |fraction near component k - w_k|,`,
  );
  log('std ratio = mean over components of (spread of its samples / its std), 1 is exact;');
  log(
    `the weight error of exact samples is about ${(0.5 / Math.sqrt(f.n)).toFixed(3)} at this n\n`,
  );
  log(
    `${'sde'.padEnd(6)} ${'sampler'.padEnd(26)} ${'nfe'.padStart(6)} ${'seconds'.padStart(8)}  weight err  std ratio`,
  );
  for (const name of ['ve', 'vp', 'subvp']) {
    const model = await loadModel(join(root, name), { providers: ['cpu'], threads: 1 });
    const mixture = mixtureSchema.parse((model.manifest as Record<string, unknown>)['mixture']);
    for (const run of MIXTURE_RUNS) {
      const spec = samplerSpecSchema.parse(run.spec);
      const rng = createRng(3);
      const x = model.sde.priorSample([f.n, ...model.shape], rng);
      const start = performance.now();
      const result = await runSampler(spec, model.score, model.sde, x, { rng });
      const seconds = (performance.now() - start) / 1000;
      const quality = fitToMixture(result.x.data, mixture);
      rows.push({
        sde: name,
        sampler: run.label,
        spec,
        nfe: result.nfe,
        seconds: round(seconds, 3),
        ...quality,
      });
      log(
        `${name.padEnd(6)} ${run.label.padEnd(26)} ${String(result.nfe).padStart(6)} ${seconds.toFixed(2).padStart(8)}` +
          `  ${quality.weightError.toFixed(3).padStart(10)}  ${quality.stdRatio.toFixed(3).padStart(9)}`,
      );
    }
    await model.dispose();
  }
  return rows;
}

/** Assigns each sample to its most likely component and compares fractions and spreads. */
export function fitToMixture(
  data: Float32Array,
  m: Mixture,
): { weightError: number; stdRatio: number } {
  const k = m.weights.length;
  const d = m.means[0]!.length;
  const n = data.length / d;
  const counts = new Array<number>(k).fill(0);
  const sq = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestLogp = -Infinity;
    const dist = new Array<number>(k).fill(0);
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let a = 0; a < d; a++) s += (data[i * d + a]! - m.means[j]![a]!) ** 2;
      dist[j] = s;
      const v = m.stds[j]! ** 2;
      const logp = Math.log(m.weights[j]!) - s / (2 * v) - (d / 2) * Math.log(v);
      if (logp > bestLogp) [best, bestLogp] = [j, logp];
    }
    counts[best]!++;
    sq[best]! += dist[best]!;
  }
  const weightError = Math.max(...counts.map((c, j) => Math.abs(c / n - m.weights[j]!)));
  const ratios = counts
    .map((c, j) => (c > 1 ? Math.sqrt(sq[j]! / (c * d)) / m.stds[j]! : Number.NaN))
    .filter((r) => !Number.isNaN(r));
  return {
    weightError: round(weightError, 4),
    stdRatio: round(ratios.reduce((a, b) => a + b, 0) / ratios.length, 4),
  };
}

function round(v: number, digits = 2): number {
  const p = 10 ** digits;
  return Math.round(v * p) / p;
}
