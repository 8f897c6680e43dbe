/**
 * A renderer's job request turned into engine work, in the parent: the model id resolved to its
 * folder, documents to their full-precision pixels, the mask PNG decoded and checked. Everything
 * that can be refused before the engine starts is refused here, so the user sees the message at
 * once instead of as a failed job.
 */
import type { RgbImage } from '../engine/imaging/image.ts';
import { readMask } from '../engine/imaging/mask.ts';
import type { ModelEntry } from '../engine/models-dir.ts';
import type { ValidJobRequest } from '../../preload/api.ts';
import type { DocumentStore } from './documents.ts';
import type { EngineWorkInput, ImagePayload } from './protocol.ts';

export interface JobContext {
  documents: DocumentStore;
  /** The installed models (manifests only; no ONNX session is opened in the parent). */
  models(): Promise<ModelEntry[]>;
}

type UsableModel = ModelEntry & { manifest: NonNullable<ModelEntry['manifest']> };

async function findModel(ctx: JobContext, modelId: string): Promise<UsableModel> {
  const models = await ctx.models();
  const entry = models.find((m) => m.id === modelId);
  if (!entry) throw new Error(`unknown model "${modelId}"`);
  if (entry.error !== undefined || !entry.manifest) {
    throw new Error(`model "${modelId}" cannot be used: ${entry.error ?? 'no manifest'}`);
  }
  return entry as UsableModel;
}

/** The pixels the engine needs; the source path stays in the parent. */
export function imagePayload(image: RgbImage): ImagePayload {
  return {
    width: image.width,
    height: image.height,
    channels: image.channels,
    data: image.data,
    bitDepth: image.bitDepth,
    isGray: image.isGray,
    notes: [...image.notes],
  };
}

function checkClassLabel(model: UsableModel, label: string | number): void {
  const labels = model.manifest.classifier?.labels;
  if (!labels) {
    throw new Error(`model ${model.id} has no classifier: class-conditional generation needs one`);
  }
  const ok =
    typeof label === 'number'
      ? label < labels.length
      : labels.includes(label) || /^\d+$/.test(label);
  if (!ok)
    throw new Error(
      `model ${model.id} has no class ${JSON.stringify(label)}; it has ${labels.join(', ')}`,
    );
}

export async function toEngineWork(
  req: ValidJobRequest,
  ctx: JobContext,
): Promise<EngineWorkInput> {
  const model = await findModel(ctx, req.modelId);
  const modelDir = model.dir;
  switch (req.kind) {
    case 'generate':
      if (req.classLabel !== undefined) checkClassLabel(model, req.classLabel);
      return {
        kind: 'generate',
        modelDir,
        n: req.n,
        seed: req.seed,
        spec: req.spec,
        ...(req.classLabel === undefined ? {} : { classLabel: req.classLabel }),
        ...(req.guidance === undefined ? {} : { guidance: req.guidance }),
      };
    case 'inpaint': {
      const doc = ctx.documents.get(req.docId);
      const mask = await readMask(Buffer.from(req.maskPng), doc.image, 'the mask');
      return {
        kind: 'inpaint',
        modelDir,
        image: imagePayload(doc.image),
        mask: { width: mask.width, height: mask.height, data: mask.data },
        n: req.n,
        seed: req.seed,
        spec: req.spec,
        ...(req.margin === undefined ? {} : { margin: req.margin }),
        ...(req.feather === undefined ? {} : { feather: req.feather }),
      };
    }
    case 'colorize': {
      if (model.manifest.image.channels !== 3) {
        throw new Error(
          `colorization needs a 3-channel (RGB) model; ${model.id} has ${model.manifest.image.channels}`,
        );
      }
      const doc = ctx.documents.get(req.docId);
      return {
        kind: 'colorize',
        modelDir,
        image: imagePayload(doc.image),
        n: req.n,
        seed: req.seed,
        spec: req.spec,
      };
    }
    case 'interpolate': {
      if (req.spec.sampler === 'pc') {
        throw new Error(
          'interpolation decodes through the probability-flow ODE: choose an ODE sampler, not pc',
        );
      }
      const ends =
        'seeds' in req.ends
          ? { seeds: req.ends.seeds }
          : {
              images: req.ends.docIds.map((id) => imagePayload(ctx.documents.get(id).image)) as [
                ImagePayload,
                ImagePayload,
              ],
            };
      const seed = 'seeds' in req.ends ? req.ends.seeds[0] : 0;
      return { kind: 'interpolate', modelDir, ends, frames: req.frames, seed, spec: req.spec };
    }
  }
}
