import { resolvedSettings } from '../../engine/samplers/index.ts';
import { z } from 'zod';
import { writeGif, writeStrip } from '../../engine/imaging/image.ts';
import { fromModelTensor } from '../../engine/imaging/tensorize.ts';
import { writeNpy } from '../../engine/io/npy.ts';
import { encode } from '../../engine/tasks/encode.ts';
import { interpolate, type InterpolationEnds } from '../../engine/tasks/interpolate.ts';
import type { Tensor } from '../../engine/tensor.ts';
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
} from '../sampler-flags.ts';
import {
  checkFinite,
  checkPngChannels,
  clip,
  readModelInput,
  refuseOverwrite,
} from '../task-io.ts';

const flags = {
  ...modelFlags,
  seeds: { value: 'A,B', help: 'walk between the prior samples of two seeds' },
  images: { value: 'A,B', help: 'walk between the latent codes of two images (photos or .npy)' },
  frames: { value: 'F', help: 'frames from A to B inclusive (default 8)' },
  ...samplerFlags('default dpm++3m; any ODE sampler, not pc: the walk needs a deterministic map'),
  scale: { value: 'K', help: 'enlarge each frame K times in the .gif or .png (default 1)' },
  delay: { value: 'MS', help: 'milliseconds per frame of the .gif (default 100)' },
  out: {
    value: 'FILE',
    help: '.gif (animation), .png (the frames in a row) or .npy (float32 [F,C,H,W], model range)',
  },
  ...jsonFlag,
} as const;

const schema = z.object({
  ...modelFields,
  seeds: flag.text().optional(),
  images: flag.text().optional(),
  frames: flag.integer(2, 1000).default(8),
  ...samplerFields,
  scale: flag.integer(1, 64).default(1),
  delay: flag.integer(10, 60_000).default(100),
  out: flag.text(),
  ...jsonField,
});

/** "A,B" as two items; the flag's name goes in the message. */
function pair(text: string, name: string): [string, string] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length !== 2 || parts.some((p) => p === '')) {
    throw new UsageError(`--${name}: expected two values separated by a comma, got "${text}"`);
  }
  return [parts[0]!, parts[1]!];
}

function seedPair(text: string): [number, number] {
  const [a, b] = pair(text, 'seeds').map((s) => {
    if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s))) {
      throw new UsageError(`--seeds: expected two non-negative integers, got "${text}"`);
    }
    return Number(s);
  });
  return [a!, b!];
}

async function run(raw: RawFlags, ctx: CommandContext): Promise<void> {
  const f = validateFlags(schema, raw);
  if ((f.seeds === undefined) === (f.images === undefined)) {
    throw new UsageError('give either --seeds A,B or --images A,B');
  }
  const out = await checkOutPath(f.out, ['.gif', '.png', '.npy']);
  const imagePaths = f.images !== undefined ? pair(f.images, 'images') : undefined;
  for (const p of imagePaths ?? []) await refuseOverwrite([out.path], p);
  const spec = samplerSpec(f);
  if (spec.sampler === 'pc') {
    throw new UsageError(
      '--sampler pc is stochastic; interpolation decodes through the probability-flow ODE: ' +
        'choose ode, euler, heun, dpm++2m, dpm++3m or heun-karras',
    );
  }
  await withModel(f, ctx, async (model) => {
    checkPngChannels(out.ext, model);
    let ends: InterpolationEnds;
    let encodeNfe = 0;
    let encodeSeconds = 0;
    if (imagePaths) {
      const latents: Tensor[] = [];
      for (const p of imagePaths) {
        const { x } = await readModelInput(p, model, ctx);
        if (x.shape[0] !== 1)
          throw new UsageError(`--images: ${p} holds ${x.shape[0]} images, not 1`);
        const { result, seconds } = await timed(ctx, `encoding ${p}`, (onStep) =>
          encode(model, x, { rtol: spec.rtol, atol: spec.atol, signal: ctx.signal, onStep }),
        );
        encodeNfe += result.nfe;
        encodeSeconds += seconds;
        latents.push(result.z);
      }
      ends = { latents: [latents[0]!, latents[1]!] };
    } else {
      ends = { seeds: seedPair(f.seeds!) };
    }
    const { result, seconds } = await timed(
      ctx,
      `decoding ${f.frames} frames (${spec.sampler})`,
      (onStep) => interpolate(model, ends, f.frames, { spec, seed: 0, signal: ctx.signal, onStep }),
    );
    checkFinite(result.x, 'interpolation');
    const range = model.manifest.image.range;
    const x = clip(result.x, range);
    if (out.ext === '.npy') await writeNpy(out.path, x.data, x.shape);
    else {
      const [, h, w] = model.shape;
      const frames = Array.from({ length: f.frames }, (_, i) =>
        fromModelTensor(x, i, { width: w * f.scale, height: h * f.scale, range }),
      );
      if (out.ext === '.gif') await writeGif(out.path, frames, { delayMs: f.delay });
      else await writeStrip(out.path, frames);
    }
    const summary = {
      command: 'interpolate',
      model: model.manifest.id,
      sampler: spec.sampler,
      settings: resolvedSettings(spec, model.sde),
      ends: imagePaths ? { images: imagePaths } : { seeds: seedPair(f.seeds!) },
      frames: f.frames,
      nfe: result.nfe + encodeNfe,
      seconds: roundSeconds(seconds + encodeSeconds),
      provider: model.provider,
      outputs: [out.path],
    };
    report(
      ctx,
      f.json,
      summary,
      `wrote ${out.path}: ${f.frames} frames, ${spec.sampler}, ` +
        `${summary.nfe} evaluations, ${summary.seconds} s on ${model.provider}`,
    );
  });
}

export const interpolateCommand: Command = {
  name: 'interpolate',
  summary: 'walk between two seeds or two images through probability-flow latent codes',
  flags,
  run,
};
