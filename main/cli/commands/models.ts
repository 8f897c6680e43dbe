import { z } from 'zod';
import { listModels, modelRoots, type ModelEntry } from '../../engine/models-dir.ts';
import { flag, validateFlags, type RawFlags } from '../args.ts';
import type { Command, CommandContext } from '../command.ts';

const flags = { json: { help: 'print one JSON line on stdout' } } as const;
const schema = z.object({ json: flag.switch() });

function describe(m: ModelEntry) {
  if (!m.manifest) return { id: m.id, dir: m.dir, error: m.error };
  const { name, image, sde, score, classifier } = m.manifest;
  return {
    id: m.id,
    name,
    dir: m.dir,
    image: { channels: image.channels, height: image.height, width: image.width },
    sde: sde.type,
    predicts: score.predicts,
    classes: classifier?.labels ?? null,
  };
}

async function run(raw: RawFlags, ctx: CommandContext): Promise<void> {
  const f = validateFlags(schema, raw);
  const roots = modelRoots();
  const models = (await listModels(roots)).map(describe);
  if (f.json) {
    ctx.stdout.write(`${JSON.stringify({ roots, models })}\n`);
    return;
  }
  if (models.length === 0) {
    ctx.stdout.write(`no models in ${roots.join(', ')} (SDE_STUDIO_MODELS adds folders)\n`);
    return;
  }
  for (const m of models) {
    if (m.error !== undefined) {
      ctx.stdout.write(`${m.id}  UNUSABLE: ${m.error}\n`);
      continue;
    }
    const size = `${m.image!.channels}x${m.image!.height}x${m.image!.width}`;
    const classes = m.classes ? `, ${m.classes.length} classes` : '';
    ctx.stdout.write(`${m.id}  ${m.name}  (${m.sde}, ${size}${classes})  ${m.dir}\n`);
  }
}

export const modelsCommand: Command = {
  name: 'models',
  summary: 'list the bundled models and those in SDE_STUDIO_MODELS',
  flags,
  run,
};
