import { resolvedSettings } from '../../engine/samplers/index.ts';
import { posteriorStepsOf } from '../../engine/samplers/spec.ts';
import { z } from 'zod';
import { colorizeImage } from '../../engine/imaging/fullres.ts';
import { colorize } from '../../engine/tasks/colorize.ts';
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
  conditionalFields,
  conditionalFlags,
  samplerFields,
  samplerFlags,
  samplerSpec,
  variantFields,
  variantFlags,
} from '../sampler-flags.ts';
import {
  checkFinite,
  IMAGE_OUTPUTS,
  imagePaths,
  readPhoto,
  refuseOverwrite,
  writeImages,
} from '../task-io.ts';

const flags = {
  ...modelFlags,
  image: {
    value: 'IMG',
    help: 'gray photo (a colour one is reduced to its luminance), any size, EXIF applied',
  },
  ...variantFlags,
  ...samplerFlags(
    'default pc: the luminance constraint is near exact only with the Langevin corrector; ' +
      'the ODE and fast samplers give quicker colours, near it only with the posterior ' +
      'correction (--posterior-steps, on for them by default)',
  ),
  ...conditionalFlags,
  out: {
    value: 'FILE',
    help:
      '.png, .jpg, .webp: the image at full size (with --n N > 1: FILE-1.png ... FILE-N.png); ' +
      ".npy: float32 [N,3,H,W] in the model's range",
  },
  ...jsonFlag,
} as const;

const schema = z.object({
  ...modelFields,
  image: flag.text(),
  ...variantFields,
  ...samplerFields,
  ...conditionalFields,
  out: flag.text(),
  ...jsonField,
});

async function run(raw: RawFlags, ctx: CommandContext): Promise<void> {
  const f = validateFlags(schema, raw);
  const out = await checkOutPath(f.out, IMAGE_OUTPUTS);
  const paths = imagePaths(out.path, f.n);
  await refuseOverwrite(paths, f.image);
  const spec = samplerSpec(f, 'pc');
  const image = await readPhoto(f.image, ctx);
  if (!image.isGray) ctx.stderr.write('note: the image has colour; only its luminance is kept\n');
  await withModel(f, ctx, async (model) => {
    if (model.shape[0] !== 3) {
      throw new UsageError(
        `colorization needs a 3-channel (RGB) model, ${model.manifest.id} has ${model.shape[0]}`,
      );
    }
    const { result, seconds } = await timed(ctx, `colorizing (${spec.sampler})`, (onStep) =>
      colorizeImage(image, {
        shape: model.shape,
        range: model.manifest.image.range,
        n: f.n,
        seed: f.seed,
        signal: ctx.signal,
        task: async (gray, o) => {
          const colored = await colorize(model, gray, { spec, ...o, onStep });
          checkFinite(colored.x, 'colorization');
          return colored;
        },
      }),
    );
    await writeImages(paths, result.images, model.manifest.image.range);
    const summary = {
      command: 'colorize',
      model: model.manifest.id,
      sampler: spec.sampler,
      settings: resolvedSettings(spec, model.sde),
      posteriorSteps: posteriorStepsOf(spec),
      n: f.n,
      seed: f.seed,
      width: image.width,
      height: image.height,
      nfe: result.nfe,
      seconds: roundSeconds(seconds),
      provider: model.provider,
      outputs: paths,
    };
    report(
      ctx,
      f.json,
      summary,
      `wrote ${paths.join(', ')}: ${f.n} coloring(s) of ${image.width}x${image.height}, ` +
        `${spec.sampler}, ${result.nfe} evaluations, ${summary.seconds} s on ${model.provider}`,
    );
  });
}

export const colorizeCommand: Command = {
  name: 'colorize',
  summary: 'color a gray photo of any size, keeping its luminance',
  flags,
  run,
};
