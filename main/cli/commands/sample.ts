import { resolvedSettings } from '../../engine/samplers/index.ts';
import { z } from 'zod';
import { classIndexOf, generate, recommendedGuidance } from '../../engine/tasks/generate.ts';
import { flag, UsageError, validateFlags, type RawFlags } from '../args.ts';
import type { Command, CommandContext } from '../command.ts';
import { checkOutPath } from '../out-path.ts';
import { report, roundSeconds, timed } from '../report.ts';
import {
  jsonField,
  jsonFlag,
  withModel,
  modelFields,
  modelFlags,
  samplerFields,
  samplerFlags,
  samplerSpec,
  variantFields,
  variantFlags,
} from '../sampler-flags.ts';
import { BATCH_OUTPUTS, checkFinite, checkPngChannels, writeBatch } from '../task-io.ts';

const flags = {
  ...modelFlags,
  ...variantFlags,
  n: { value: 'N', help: 'number of samples (default 16)' },
  class: {
    value: 'LABEL',
    help: "class to sample, by name or index (needs the model's classifier)",
  },
  guidance: {
    value: 'G',
    help:
      "weight of the classifier gradient (default: the model's recommended guidance, else 1, the " +
      'paper; larger: more typical of the class)',
  },
  ...samplerFlags(),
  out: { value: 'FILE', help: '.npy (float32 [N,C,H,W] in the model range) or .png (a grid)' },
  ...jsonFlag,
} as const;

const schema = z.object({
  ...modelFields,
  ...variantFields,
  n: flag.integer(1, 10_000).default(16),
  class: flag.text().optional(),
  guidance: flag.number().optional(),
  ...samplerFields,
  out: flag.text(),
  ...jsonField,
});

async function run(raw: RawFlags, ctx: CommandContext): Promise<void> {
  const f = validateFlags(schema, raw);
  if (f.guidance !== undefined && f.class === undefined) {
    throw new UsageError('--guidance weighs the classifier of --class; give --class too');
  }
  if (f.guidance !== undefined && f.guidance < 0) {
    throw new UsageError(`--guidance: expected a non-negative number, got ${f.guidance}`);
  }
  const out = await checkOutPath(f.out, BATCH_OUTPUTS);
  const spec = samplerSpec(f);
  await withModel(f, ctx, async (model) => {
    checkPngChannels(out.ext, model);
    let classIndex: number | undefined;
    if (f.class !== undefined) {
      try {
        classIndex = classIndexOf(model, f.class);
      } catch (e) {
        throw new UsageError(`--class: ${(e as Error).message}`);
      }
    }
    // Resolved here rather than left to generate() because the summary reports it.
    const guidance = f.guidance ?? recommendedGuidance(model);
    const { result, seconds } = await timed(ctx, `sampling (${spec.sampler})`, (onStep) =>
      generate(model, {
        spec,
        n: f.n,
        seed: f.seed,
        signal: ctx.signal,
        onStep,
        ...(classIndex !== undefined ? { classIndex, guidance } : {}),
      }),
    );
    checkFinite(result.x, 'sampling');
    await writeBatch(out.path, result.x, model.manifest.image.range);
    const label = classIndex === undefined ? null : model.manifest.classifier!.labels[classIndex]!;
    const summary = {
      command: 'sample',
      model: model.manifest.id,
      sampler: spec.sampler,
      settings: resolvedSettings(spec, model.sde),
      n: f.n,
      seed: f.seed,
      class: label,
      ...(label !== null ? { guidance } : {}),
      nfe: result.nfe,
      seconds: roundSeconds(seconds),
      provider: model.provider,
      outputs: [out.path],
    };
    const of = label === null ? '' : ` of class "${label}"`;
    report(
      ctx,
      f.json,
      summary,
      `wrote ${out.path}: ${f.n} samples${of} of ${summary.model}, ${spec.sampler}, ` +
        `${result.nfe} evaluations, ${summary.seconds} s on ${model.provider}`,
    );
  });
}

export const sampleCommand: Command = {
  name: 'sample',
  summary: 'generate images from a model, optionally of one class',
  flags,
  run,
};
