import { resolvedSettings } from '../../engine/samplers/index.ts';
import { posteriorStepsOf } from '../../engine/samplers/spec.ts';
import { z } from 'zod';
import { defaultMargin } from '../../engine/imaging/crop.ts';
import { inpaintImage, pasteDefaults } from '../../engine/imaging/fullres.ts';
import { readMask } from '../../engine/imaging/mask.ts';
import { inpaint } from '../../engine/tasks/inpaint.ts';
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
  image: { value: 'IMG', help: 'photo to edit: PNG, JPEG, WebP or TIFF, any size (EXIF applied)' },
  mask: { value: 'MASK', help: 'image of the same size: white = fill, black = keep' },
  ...variantFlags,
  ...samplerFlags(
    'default pc: the replacement method of inpainting is near exact only with the Langevin ' +
      'corrector; the ODE and fast samplers give quicker fills, near it only with the ' +
      'posterior correction (--posterior-steps, on for them by default)',
  ),
  ...conditionalFlags,
  margin: {
    value: 'PX',
    help: 'context around each hole, in image pixels (default: 128 or a quarter of the long side)',
  },
  dilate: {
    value: 'PX',
    help: 'growth of the mask before filling (default: margin / 8, at most 4)',
  },
  feather: {
    value: 'PX',
    help: 'width of the blend band around the fill (default: margin / 4, at most 12)',
  },
  out: {
    value: 'FILE',
    help:
      '.png, .jpg, .webp: the image at full size (with --n N > 1: FILE-1.png ... FILE-N.png); ' +
      ".npy: float32 [N,C,H,W] in the model's range",
  },
  ...jsonFlag,
} as const;

const schema = z.object({
  ...modelFields,
  image: flag.text(),
  mask: flag.text(),
  ...variantFields,
  ...samplerFields,
  ...conditionalFields,
  margin: flag.integer(1, 100_000).optional(),
  dilate: flag.integer(0, 100_000).optional(),
  feather: flag.integer(0, 100_000).optional(),
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
  const mask = await readMask(f.mask, image).catch((e: unknown) => {
    throw new UsageError((e as Error).message);
  });
  const margin = f.margin ?? defaultMargin(image);
  const defaults = pasteDefaults(margin);
  const dilate = f.dilate ?? defaults.dilate;
  const feather = f.feather ?? defaults.feather;
  if (dilate + feather > margin) {
    throw new UsageError(
      `--dilate (${dilate}) + --feather (${feather}) must fit in --margin (${margin})`,
    );
  }
  await withModel(f, ctx, async (model) => {
    const { result, seconds } = await timed(ctx, `inpainting (${spec.sampler})`, (onStep) =>
      inpaintImage(image, mask, {
        shape: model.shape,
        range: model.manifest.image.range,
        n: f.n,
        seed: f.seed,
        signal: ctx.signal,
        margin,
        dilate,
        feather,
        onCrop: ({ index, count, rect }) => {
          if (count > 1) {
            ctx.stderr.write(
              `crop ${index + 1}/${count}: ${rect.width}x${rect.height} at ${rect.x},${rect.y}\n`,
            );
          }
        },
        task: async (known, modelMask, o) => {
          const filled = await inpaint(model, known, modelMask, { spec, ...o, onStep });
          checkFinite(filled.x, 'inpainting');
          return filled;
        },
      }),
    );
    await writeImages(paths, result.images, model.manifest.image.range);
    const summary = {
      command: 'inpaint',
      model: model.manifest.id,
      sampler: spec.sampler,
      settings: resolvedSettings(spec, model.sde),
      posteriorSteps: posteriorStepsOf(spec),
      n: f.n,
      seed: f.seed,
      width: image.width,
      height: image.height,
      crops: result.crops.length,
      nfe: result.nfe,
      seconds: roundSeconds(seconds),
      provider: model.provider,
      outputs: paths,
    };
    report(
      ctx,
      f.json,
      summary,
      `wrote ${paths.join(', ')}: ${f.n} fill(s) of ${image.width}x${image.height} ` +
        `(${result.crops.length} crop(s) at ${model.shape[2]}x${model.shape[1]}), ${spec.sampler}, ` +
        `${result.nfe} evaluations, ${summary.seconds} s on ${model.provider}`,
    );
  });
}

export const inpaintCommand: Command = {
  name: 'inpaint',
  summary: 'fill the white part of a mask in a photo of any size',
  flags,
  run,
};
