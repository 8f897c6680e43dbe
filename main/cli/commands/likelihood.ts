import { z } from 'zod';
import { createRng } from '../../engine/rng.ts';
import { dequantize, likelihood } from '../../engine/tasks/likelihood.ts';
import { flag, UsageError, validateFlags, type RawFlags } from '../args.ts';
import type { Command, CommandContext } from '../command.ts';
import { report, roundSeconds, timed } from '../report.ts';
import {
  jsonField,
  jsonFlag,
  withModel,
  modelFields,
  modelFlags,
  toleranceFields,
  toleranceFlags,
  tolerances,
} from '../sampler-flags.ts';
import { readModelInput } from '../task-io.ts';

const flags = {
  ...modelFlags,
  image: {
    value: 'IMG',
    help:
      "photo (resized to the model's size, then uniformly dequantized) or .npy [N,C,H,W] " +
      "in the model's range (taken as is)",
  },
  probes: {
    value: 'K',
    help: "Rademacher probes of Hutchinson's divergence estimator per image (default 1)",
  },
  exact: { help: 'the exact divergence (2D+1 images per evaluation; D <= 1024 only)' },
  seed: { value: 'S', help: 'seed of the probes and the dequantization noise (default 0)' },
  ...toleranceFlags,
  ...jsonFlag,
} as const;

const schema = z.object({
  ...modelFields,
  image: flag.text(),
  probes: flag.integer(1, 1000).optional(),
  exact: flag.switch(),
  seed: flag.integer(0, Number.MAX_SAFE_INTEGER).default(0),
  ...toleranceFields,
  ...jsonField,
});

async function run(raw: RawFlags, ctx: CommandContext): Promise<void> {
  const f = validateFlags(schema, raw);
  if (f.exact && f.probes !== undefined) {
    throw new UsageError('--exact computes the divergence without probes; drop --probes');
  }
  const tol = tolerances(f);
  await withModel(f, ctx, async (model) => {
    const [c, h, w] = model.shape;
    if (f.exact && c * h * w > 1024) {
      throw new UsageError(
        `--exact needs ${2 * c * h * w + 1} images per evaluation for ${c}x${h}x${w}; ` +
          'use --probes instead',
      );
    }
    const range = model.manifest.image.range;
    const input = await readModelInput(f.image, model, ctx);
    // Bits/dim count the probability of 8-bit pixels; a photo's pixels are spread over their bins.
    const x = input.fromPhoto ? dequantize(input.x, range, createRng(f.seed)) : input.x;
    const { result, seconds } = await timed(ctx, 'likelihood (ode)', (onStep) =>
      likelihood(model, x, {
        ...tol,
        ...(f.exact ? { exact: true } : { probes: f.probes ?? 1 }),
        seed: f.seed,
        range,
        signal: ctx.signal,
        onStep,
      }),
    );
    const bpds = Array.from(result.bpd);
    if (bpds.some((v) => !Number.isFinite(v))) {
      throw new Error(`the likelihood is not finite (${bpds.join(', ')}); try smaller --rtol`);
    }
    const bpd = bpds.reduce((a, b) => a + b, 0) / bpds.length;
    const summary = {
      command: 'likelihood',
      model: model.manifest.id,
      n: x.shape[0],
      divergence: f.exact ? 'exact' : `hutchinson (${f.probes ?? 1} probe(s))`,
      dequantized: input.fromPhoto,
      bpd,
      bpdPerImage: bpds,
      logp: Array.from(result.logp),
      ...tol,
      nfe: result.nfe,
      seconds: roundSeconds(seconds),
      provider: model.provider,
      outputs: [] as string[],
    };
    report(
      ctx,
      f.json,
      summary,
      `${bpd.toFixed(4)} bits/dim (${summary.divergence}${x.shape[0] > 1 ? `, mean of ${x.shape[0]} images` : ''}), ` +
        `${result.nfe} evaluations, ${summary.seconds} s on ${model.provider}`,
    );
  });
}

export const likelihoodCommand: Command = {
  name: 'likelihood',
  summary: 'bits/dim of images under the model (probability-flow ODE)',
  flags,
  run,
};
