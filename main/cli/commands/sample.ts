import { z } from 'zod';
import { writeGridPng } from '../../engine/io/grid.ts';
import { writeNpy } from '../../engine/io/npy.ts';
import { resolveModelDir } from '../../engine/models-dir.ts';
import { createRng } from '../../engine/rng.ts';
import { runSampler } from '../../engine/samplers/index.ts';
import {
  CORRECTORS,
  PREDICTORS,
  SAMPLERS,
  SCHEDULES,
  samplerSpecSchema,
  type SamplerSpec,
} from '../../engine/samplers/spec.ts';
import { PROVIDERS } from '../../engine/score/onnx-session.ts';
import { loadModel, type ScoreModel } from '../../engine/score/score-model.ts';
import type { Tensor } from '../../engine/tensor.ts';
import { flag, UsageError, validateFlags, type RawFlags } from '../args.ts';
import type { Command, CommandContext } from '../command.ts';
import { checkOutPath } from '../out-path.ts';
import { progressReporter } from '../progress.ts';

/** The spec's defaults, quoted in the help so it cannot drift from the engine. */
const DEFAULTS = samplerSpecSchema.parse({});

const flags = {
  model: { value: 'M', help: 'bundled model id or path to a model folder' },
  n: { value: 'N', help: 'number of samples (default 16)' },
  seed: { value: 'S', help: 'random seed (default 0); the same seed gives the same samples' },
  sampler: { value: 'NAME', help: `${SAMPLERS.join('|')} (default ${DEFAULTS.sampler})` },
  predictor: {
    value: 'NAME',
    help: `pc predictor: ${PREDICTORS.join('|')} (default ${DEFAULTS.predictor})`,
  },
  corrector: {
    value: 'NAME',
    help: `pc corrector: ${CORRECTORS.join('|')} (default ${DEFAULTS.corrector})`,
  },
  snr: {
    value: 'X',
    help: `signal-to-noise ratio of the Langevin corrector (default ${DEFAULTS.snr})`,
  },
  'corrector-steps': {
    value: 'K',
    help: `corrector steps per predictor step (default ${DEFAULTS.correctorSteps})`,
  },
  steps: {
    value: 'K',
    help: "discretization steps (default: the SDE's N for pc, per sampler otherwise)",
  },
  schedule: {
    value: 'NAME',
    help: `step placement of the fast solvers: ${SCHEDULES.join('|')} (default: per sampler)`,
  },
  rtol: {
    value: 'R',
    help: `relative tolerance of the adaptive ode sampler (default ${DEFAULTS.rtol})`,
  },
  atol: {
    value: 'A',
    help: `absolute tolerance of the adaptive ode sampler (default ${DEFAULTS.atol})`,
  },
  'no-denoise': { help: 'skip the final noise-free denoising step' },
  threads: { value: 'T', help: 'CPU threads per network evaluation (default: all cores)' },
  batch: { value: 'B', help: 'largest batch per network evaluation (default 64)' },
  provider: {
    value: 'NAME',
    help: `${PROVIDERS.join('|')} (default: the GPU of this platform, then cpu)`,
  },
  out: { value: 'FILE', help: '.npy (float32 [N,C,H,W] in the model range) or .png (a grid)' },
  json: { help: 'print one JSON line with the results on stdout' },
} as const;

const schema = z.object({
  model: flag.text(),
  n: flag.integer(1, 10_000).default(16),
  seed: flag.integer(0, Number.MAX_SAFE_INTEGER).default(0),
  sampler: flag.choice(SAMPLERS).optional(),
  predictor: flag.choice(PREDICTORS).optional(),
  corrector: flag.choice(CORRECTORS).optional(),
  snr: flag.number().optional(),
  'corrector-steps': flag.integer(1, 100).optional(),
  steps: flag.integer(1, 100_000).optional(),
  schedule: flag.choice(SCHEDULES).optional(),
  rtol: flag.number().optional(),
  atol: flag.number().optional(),
  'no-denoise': flag.switch(),
  threads: flag.integer(0, 1024).default(0),
  batch: flag.integer(1, 10_000).default(64),
  provider: flag.choice(PROVIDERS).optional(),
  out: flag.text(),
  json: flag.switch(),
});

type SampleFlags = z.output<typeof schema>;

/** The spec's field names as the user typed them, for error messages. */
const SPEC_FLAG: Record<string, string> = {
  correctorSteps: 'corrector-steps',
  denoise: 'no-denoise',
};

function samplerSpec(f: SampleFlags): SamplerSpec {
  const result = samplerSpecSchema.safeParse({
    sampler: f.sampler,
    predictor: f.predictor,
    corrector: f.corrector,
    snr: f.snr,
    correctorSteps: f['corrector-steps'],
    steps: f.steps,
    schedule: f.schedule,
    rtol: f.rtol,
    atol: f.atol,
    denoise: !f['no-denoise'],
  });
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const key = String(issue.path[0]);
  throw new UsageError(
    `--${SPEC_FLAG[key] ?? key}: ${issue.message.replace(/^Too (small|big): /, '')}`,
  );
}

async function run(raw: RawFlags, ctx: CommandContext): Promise<void> {
  const f = validateFlags(schema, raw);
  const out = await checkOutPath(f.out, ['.npy', '.png']);
  const spec = samplerSpec(f);
  const model = await resolveModelDir(f.model)
    .then((dir) =>
      loadModel(dir, {
        threads: f.threads,
        maxBatch: f.batch,
        ...(f.provider ? { providers: [f.provider] } : {}),
      }),
    )
    .catch((e: unknown) => {
      throw new UsageError((e as Error).message);
    });
  try {
    const [c] = model.shape;
    if (out.ext === '.png' && c !== 1 && c !== 3) {
      throw new UsageError(
        `--out: a .png holds 1 or 3 channels, ${model.manifest.id} has ${c}; use .npy`,
      );
    }
    for (const note of model.notes) ctx.stderr.write(`note: ${note}\n`);
    const result = await sample(model, spec, f, ctx);
    const bad = result.x.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      // Clipping would hide this as flat gray pixels; nothing is written instead.
      throw new Error(
        `sampling produced non-finite values (${result.x.data[bad]}), nothing written; ` +
          'try more --steps or another --sampler',
      );
    }
    const clipped = clip(result.x, model.manifest.image.range);
    if (out.ext === '.npy') await writeNpy(out.path, clipped.data, clipped.shape);
    else await writeGridPng(out.path, clipped, model.manifest.image.range);
    const summary = {
      command: 'sample',
      model: model.manifest.id,
      sampler: spec.sampler,
      n: f.n,
      seed: f.seed,
      nfe: result.nfe,
      seconds: round(result.seconds),
      provider: model.provider,
      outputs: [out.path],
    };
    if (f.json) ctx.stdout.write(`${JSON.stringify(summary)}\n`);
    else {
      ctx.stdout.write(
        `wrote ${out.path}: ${f.n} samples of ${summary.model}, ${spec.sampler}, ` +
          `${result.nfe} evaluations, ${summary.seconds} s on ${model.provider}\n`,
      );
    }
  } finally {
    await model.dispose();
  }
}

async function sample(model: ScoreModel, spec: SamplerSpec, f: SampleFlags, ctx: CommandContext) {
  const rng = createRng(f.seed);
  const x = model.sde.priorSample([f.n, ...model.shape], rng);
  const progress = progressReporter(ctx.stderr, `sampling (${spec.sampler})`);
  const start = performance.now();
  try {
    const result = await runSampler(spec, model.score, model.sde, x, {
      rng,
      signal: ctx.signal,
      onStep: (info) => progress.step(info),
    });
    return { ...result, seconds: (performance.now() - start) / 1000 };
  } finally {
    progress.done();
  }
}

/** Samples end slightly outside the data range; files hold values in the documented range. */
function clip(x: Tensor, [lo, hi]: readonly [number, number]): Tensor {
  return { shape: x.shape, data: x.data.map((v) => Math.min(hi, Math.max(lo, v))) };
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

export const sampleCommand: Command = {
  name: 'sample',
  summary: 'generate images from a model',
  flags,
  run,
};
