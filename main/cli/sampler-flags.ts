import { z } from 'zod';
import { resolveModelDir } from '../engine/models-dir.ts';
import {
  CORRECTORS,
  PREDICTORS,
  SAMPLERS,
  SCHEDULES,
  PAPER_SNR,
  samplerSpecSchema,
  type SamplerName,
  type SamplerSpec,
} from '../engine/samplers/spec.ts';
import { PROVIDERS } from '../engine/score/onnx-session.ts';
import { loadModel, type ScoreModel } from '../engine/score/score-model.ts';
import { flag, UsageError, type FlagTable } from './args.ts';
import type { CommandContext } from './command.ts';

/**
 * The flag groups that several commands share, each as a help table plus the zod fields that
 * parse it, so that a command's flags are `{ ...modelFlags, ...samplerFlags(), ...own }` and every
 * command spells and checks them the same way.
 */

/** The spec's defaults, quoted in the help so it cannot drift from the engine. */
const DEFAULTS = samplerSpecSchema.parse({});

export const modelFlags = {
  model: { value: 'M', help: 'bundled model id or path to a model folder' },
  threads: { value: 'T', help: 'CPU threads per network evaluation (default: all cores)' },
  batch: { value: 'B', help: 'largest batch per network evaluation (default 64)' },
  provider: {
    value: 'NAME',
    help: `${PROVIDERS.join('|')} (default: the GPU of this platform, then cpu)`,
  },
} as const satisfies FlagTable;

export const modelFields = {
  model: flag.text(),
  threads: flag.integer(0, 1024).default(0),
  batch: flag.integer(1, 10_000).default(64),
  provider: flag.choice(PROVIDERS).optional(),
};

type ModelFlags = z.output<z.ZodObject<typeof modelFields>>;

/** Loads `--model`; a missing or broken model folder is the user's input, so exit code 2. */
async function loadModelFlag(f: ModelFlags, ctx: CommandContext): Promise<ScoreModel> {
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
  for (const note of model.notes) ctx.stderr.write(`note: ${note}\n`);
  return model;
}

/** Loads the --model of a command, runs `use` with it, and always releases its sessions. */
export async function withModel<T>(
  f: ModelFlags,
  ctx: CommandContext,
  use: (model: ScoreModel) => Promise<T>,
): Promise<T> {
  const model = await loadModelFlag(f, ctx);
  try {
    return await use(model);
  } finally {
    await model.dispose();
  }
}

/** How many variants and which noise: the same seed gives the same pixels. */
export const variantFlags = {
  n: { value: 'N', help: 'number of variants (default 1)' },
  seed: { value: 'S', help: 'random seed (default 0); the same seed gives the same result' },
} as const satisfies FlagTable;

export const variantFields = {
  n: flag.integer(1, 10_000).default(1),
  seed: flag.integer(0, Number.MAX_SAFE_INTEGER).default(0),
};

/** The ODE tolerances alone, for the tasks that always integrate the probability flow with RK45. */
export const toleranceFlags = {
  rtol: {
    value: 'R',
    help: `relative tolerance of the RK45 ODE solver (default ${DEFAULTS.rtol})`,
  },
  atol: {
    value: 'A',
    help: `absolute tolerance of the RK45 ODE solver (default ${DEFAULTS.atol})`,
  },
} as const satisfies FlagTable;

export const toleranceFields = {
  rtol: flag.number().optional(),
  atol: flag.number().optional(),
};

/** The ODE tolerances, checked by the sampler spec's own bounds. */
export function tolerances(f: { rtol?: number | undefined; atol?: number | undefined }): {
  rtol: number;
  atol: number;
} {
  const spec = samplerSpec({ ...f, 'no-denoise': false });
  return { rtol: spec.rtol, atol: spec.atol };
}

/**
 * Sampler choice and settings. `defaultNote` replaces the default named in the help of --sampler
 * for commands whose default differs from the engine's (inpaint and colorize use pc).
 */
export function samplerFlags(defaultNote = `default ${DEFAULTS.sampler}`) {
  return {
    sampler: { value: 'NAME', help: `${SAMPLERS.join('|')} (${defaultNote})` },
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
      help: `signal-to-noise ratio of the Langevin corrector (default ${PAPER_SNR}; for inpainting ${PAPER_SNR} x sqrt(1000 / steps))`,
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
    ...toleranceFlags,
    'no-denoise': { help: 'skip the final noise-free denoising step' },
  } as const satisfies FlagTable;
}

export const samplerFields = {
  sampler: flag.choice(SAMPLERS).optional(),
  predictor: flag.choice(PREDICTORS).optional(),
  corrector: flag.choice(CORRECTORS).optional(),
  snr: flag.number().optional(),
  'corrector-steps': flag.integer(1, 100).optional(),
  steps: flag.integer(1, 100_000).optional(),
  schedule: flag.choice(SCHEDULES).optional(),
  ...toleranceFields,
  'no-denoise': flag.switch(),
};

/** The conditional tasks' own sampler setting (inpaint, colorize). */
export const conditionalFlags = {
  'posterior-steps': {
    value: 'K',
    help:
      'conjugate-gradient steps of the posterior correction of the score, each one more ' +
      "evaluation per score (default: 0, the paper's replacement alone, for pc; 1 for the ODE " +
      'solvers, which the replacement alone leaves far off)',
  },
} as const satisfies FlagTable;

export const conditionalFields = {
  'posterior-steps': flag.integer(0, 10).optional(),
};

type SamplerFlags = Partial<z.output<z.ZodObject<typeof samplerFields>>> &
  Partial<z.output<z.ZodObject<typeof conditionalFields>>> & {
    'no-denoise': boolean;
  };

/** The spec's field names as the user typed them, for error messages. */
const SPEC_FLAG: Record<string, string> = {
  correctorSteps: 'corrector-steps',
  posteriorSteps: 'posterior-steps',
  denoise: 'no-denoise',
};

/** The sampler spec of the flags; `fallback` is the sampler when --sampler is not given. */
export function samplerSpec(f: SamplerFlags, fallback?: SamplerName): SamplerSpec {
  const result = samplerSpecSchema.safeParse({
    sampler: f.sampler ?? fallback,
    predictor: f.predictor,
    corrector: f.corrector,
    snr: f.snr,
    correctorSteps: f['corrector-steps'],
    posteriorSteps: f['posterior-steps'],
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

export const jsonFlag = {
  json: { help: 'print one JSON line with the results on stdout' },
} as const satisfies FlagTable;

export const jsonField = { json: flag.switch() };
