import { z } from 'zod';
import { writeNpy } from '../../engine/io/npy.ts';
import { encode } from '../../engine/tasks/encode.ts';
import { flag, validateFlags, type RawFlags } from '../args.ts';
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
import { checkFinite, readModelInput, refuseOverwrite } from '../task-io.ts';

const flags = {
  ...modelFlags,
  image: {
    value: 'IMG',
    help: "photo (resized to the model's size) or .npy [N,C,H,W] in the model's range",
  },
  ...toleranceFlags,
  out: { value: 'Z.npy', help: 'latent codes, float32 [N,C,H,W]; decode turns them back' },
  ...jsonFlag,
} as const;

const schema = z.object({
  ...modelFields,
  image: flag.text(),
  ...toleranceFields,
  out: flag.text(),
  ...jsonField,
});

async function run(raw: RawFlags, ctx: CommandContext): Promise<void> {
  const f = validateFlags(schema, raw);
  const out = await checkOutPath(f.out, ['.npy']);
  await refuseOverwrite([out.path], f.image);
  const tol = tolerances(f);
  await withModel(f, ctx, async (model) => {
    const { x } = await readModelInput(f.image, model, ctx);
    const { result, seconds } = await timed(ctx, 'encoding (ode)', (onStep) =>
      encode(model, x, { ...tol, signal: ctx.signal, onStep }),
    );
    checkFinite(result.z, 'encoding');
    await writeNpy(out.path, result.z.data, result.z.shape);
    const summary = {
      command: 'encode',
      model: model.manifest.id,
      n: x.shape[0],
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
      `wrote ${out.path}: latent codes of ${x.shape[0]} image(s), ` +
        `${result.nfe} evaluations, ${summary.seconds} s on ${model.provider}`,
    );
  });
}

export const encodeCommand: Command = {
  name: 'encode',
  summary: 'map images to their probability-flow latent codes',
  flags,
  run,
};
