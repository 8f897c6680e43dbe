import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { CONSTRAINED_TASKS, SAMPLERS } from '../samplers/spec.ts';
import { sdeParamsSchema } from '../sde/params.ts';

/** model.json: the contract between training, the engine and users' own models (DESIGN.md). */
export const MANIFEST_FILE = 'model.json';

const positiveInt = z
  .number({ error: (iss) => (iss.input === undefined ? 'missing' : 'expected a positive integer') })
  .int({ error: 'expected a positive integer' })
  .positive({ error: 'expected a positive integer' });

const text = z.string({
  error: (iss) => (iss.input === undefined ? 'missing' : 'expected a string'),
});

/** A file inside the model folder: manifests must not point elsewhere on the user's disk. */
const fileInFolder = text
  .min(1, { error: 'expected a file name' })
  .refine((f) => !isAbsolute(f) && !f.split(/[\\/]/).includes('..'), {
    error: 'expected a file name inside the model folder',
  });

export const manifestSchema = z.looseObject({
  format: z.literal(1, { error: (iss) => (iss.input === undefined ? 'missing' : 'expected 1') }),
  id: text.regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
    error: 'expected letters, digits, ".", "_" or "-" (it names a folder)',
  }),
  name: text.min(1, { error: 'expected a non-empty string' }),
  image: z.looseObject({
    channels: positiveInt,
    height: positiveInt,
    width: positiveInt,
    range: z
      .tuple([z.number(), z.number()], { error: 'expected [low, high]' })
      .refine(([lo, hi]) => lo < hi, { error: 'expected [low, high] with low < high' }),
  }),
  sde: sdeParamsSchema,
  score: z.looseObject({
    file: fileInFolder,
    predicts: z.enum(['score', 'noise'], { error: 'expected "score" or "noise"' }),
  }),
  classifier: z
    .looseObject({
      file: fileInFolder,
      labels: z.array(text.min(1)).min(2, { error: 'expected at least two labels' }),
      /** Classifier weight the model's measurements recommend (1 = the paper's Eq. 14). */
      guidance: z.number().min(0).max(100).optional(),
    })
    .optional(),
  /**
   * The sampler the editor's Fast preset uses for free generation with this model, where its
   * measurements preferred another to DPM-Solver++ (an under-trained model can have a worse
   * probability-flow ODE than reverse SDE); `why` says which figures decided.
   */
  fastSampler: z
    .looseObject({
      sampler: z.enum(SAMPLERS, { error: `expected one of ${SAMPLERS.join(', ')}` }),
      steps: positiveInt.optional(),
      why: text.optional(),
    })
    .optional(),
  /**
   * The corrections the editor's Fast preset (PC, 100 steps) runs a constrained task with on this
   * model, where its measurements on tuning images (test images other than those of the reported
   * figures: models/training/tune_corrector.py) preferred other than the paper's: Langevin corrector
   * steps per predictor step (`steps`, the paper's 1) and conjugate-gradient steps of the posterior
   * correction of the score (`posteriorSteps`, samplers/observed-score.ts; 0, the paper's
   * replacement alone, when absent); `why` says which figures decided.
   */
  fastCorrector: z
    .partialRecord(
      z.enum(CONSTRAINED_TASKS),
      z.looseObject({
        steps: z
          .number({ error: 'expected an integer from 1 to 10' })
          .int({ error: 'expected an integer from 1 to 10' })
          .min(1, { error: 'expected an integer from 1 to 10' })
          .max(10, { error: 'expected an integer from 1 to 10' }),
        posteriorSteps: z
          .number({ error: 'expected an integer from 0 to 10' })
          .int({ error: 'expected an integer from 0 to 10' })
          .min(0, { error: 'expected an integer from 0 to 10' })
          .max(10, { error: 'expected an integer from 0 to 10' })
          .optional(),
        why: text.optional(),
      }),
    )
    .optional(),
  /**
   * Tasks this model's measurements advise against (its result scored below the simple baseline),
   * each with the figures that decided; the editor does not offer it for them.
   */
  notRecommendedFor: z.partialRecord(z.enum(CONSTRAINED_TASKS), text).optional(),
  license: text.min(1, { error: 'expected a non-empty string' }),
  data: text.min(1, { error: 'expected a non-empty string' }),
  training: z.record(z.string(), z.unknown(), { error: 'expected an object' }).optional(),
  metrics: z.record(z.string(), z.unknown(), { error: 'expected an object' }).optional(),
});

export type Manifest = z.output<typeof manifestSchema>;

/** One line per zod issue, `path: what is wrong`, without zod's boilerplate. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((iss) => {
    const path = iss.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.');
    let message = iss.message.replace(/^(Invalid input|Too small|Too big)[:.]?\s*/i, '');
    if (iss.code === 'invalid_type' && /received undefined$/.test(message)) message = 'missing';
    if (iss.code === 'invalid_union' && iss.path.at(-1) === 'type') {
      message = message.replace(/^Invalid discriminator value\.\s*Expected/, 'expected');
    }
    return path ? `${path.replace(/\.\[/g, '[')}: ${message}` : message;
  });
}

/** Validates parsed JSON; `source` names the file in the error. */
export function parseManifest(json: unknown, source = MANIFEST_FILE): Manifest {
  const result = manifestSchema.safeParse(json);
  if (!result.success)
    throw new Error(`${source}: ${describeIssues(result.error.issues).join('; ')}`);
  return result.data;
}

/** Reads and validates `<dir>/model.json`; says plainly when `dir` is no model folder at all. */
export async function readManifest(dir: string): Promise<Manifest> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) throw new Error(`no such model folder: ${dir}`);
  if (!info.isDirectory()) throw new Error(`not a model folder (not a directory): ${dir}`);
  const path = join(dir, MANIFEST_FILE);
  const raw = await readFile(path, 'utf8').catch(() => undefined);
  if (raw === undefined) throw new Error(`not a model folder: ${dir} has no ${MANIFEST_FILE}`);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return parseManifest(json, path);
}
