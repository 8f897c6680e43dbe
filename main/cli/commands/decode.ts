import { extname } from 'node:path';
import { z } from 'zod';
import { decode } from '../../engine/tasks/encode.ts';
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
  toleranceFields,
  toleranceFlags,
  tolerances,
} from '../sampler-flags.ts';
import {
  BATCH_OUTPUTS,
  checkFinite,
  checkPngChannels,
  readModelInput,
  refuseOverwrite,
  writeBatch,
} from '../task-io.ts';

const flags = {
  ...modelFlags,
  latent: { value: 'Z.npy', help: 'latent codes from encode (or prior samples), [N,C,H,W]' },
  ...toleranceFlags,
  out: { value: 'FILE', help: '.npy (float32 [N,C,H,W] in the model range) or .png (a grid)' },
  ...jsonFlag,
} as const;

const schema = z.object({
  ...modelFields,
  latent: flag.text(),
  ...toleranceFields,
  out: flag.text(),
  ...jsonField,
});

async function run(raw: RawFlags, ctx: CommandContext): Promise<void> {
  const f = validateFlags(schema, raw);
  if (extname(f.latent).toLowerCase() !== '.npy') {
    throw new UsageError(`--latent: expected a .npy file written by encode, got "${f.latent}"`);
  }
  const out = await checkOutPath(f.out, BATCH_OUTPUTS);
  await refuseOverwrite([out.path], f.latent);
  const tol = tolerances(f);
  await withModel(f, ctx, async (model) => {
    checkPngChannels(out.ext, model);
    const { x: z } = await readModelInput(f.latent, model, ctx);
    const { result, seconds } = await timed(ctx, 'decoding (ode)', (onStep) =>
      decode(model, z, { ...tol, signal: ctx.signal, onStep }),
    );
    checkFinite(result.x, 'decoding');
    await writeBatch(out.path, result.x, model.manifest.image.range);
    const summary = {
      command: 'decode',
      model: model.manifest.id,
      n: z.shape[0],
      ...tol,
      nfe: result.nfe,
      seconds: roundSeconds(seconds),
      provider: model.provider,
      outputs: [out.path],
    };
    report(
      ctx,
      f.json,
      summary,
      `wrote ${out.path}: ${z.shape[0]} image(s) decoded, ` +
        `${result.nfe} evaluations, ${summary.seconds} s on ${model.provider}`,
    );
  });
}

export const decodeCommand: Command = {
  name: 'decode',
  summary: 'turn latent codes back into images through the probability-flow ODE',
  flags,
  run,
};
