import { z } from 'zod';
import { flag, UsageError, validateFlags, type RawFlags } from '../cli/args.ts';
import { readNpy, writeNpy } from '../engine/io/npy.ts';
import { resolveModelDir } from '../engine/models-dir.ts';
import { SAMPLERS, samplerSpecSchema } from '../engine/samplers/spec.ts';
import { loadModel } from '../engine/score/score-model.ts';
import { inpaint } from '../engine/tasks/inpaint.ts';
import { tensor } from '../engine/tensor.ts';

export const inpaintMeanFlags = {
  model: { value: 'M', help: 'model id or folder' },
  images: {
    value: 'FILE',
    help: 'float32 [N,C,H,W] in the model range (training.evaluate writes it)',
  },
  masks: { value: 'FILE', help: 'float32 [N,1,H,W], 1 = fill' },
  count: { value: 'K', help: 'use the first K images (default: all)' },
  n: { value: 'N', help: 'samples averaged per image (default 4)' },
  sampler: { value: 'NAME', help: `${SAMPLERS.join('|')} (default pc)` },
  steps: { value: 'K', help: 'sampler steps (default: the sampler default)' },
  seed: { value: 'S', help: 'seed of image i is S + i (default 0)' },
  threads: { value: 'T', help: 'CPU threads (default 0 = all)' },
  out: { value: 'FILE', help: 'float32 [K,C,H,W]: the mean of the n fills of each image' },
} as const;

const schema = z.object({
  model: flag.text(),
  images: flag.text(),
  masks: flag.text(),
  count: flag.integer(1, 1_000_000).optional(),
  n: flag.integer(1, 256).default(4),
  sampler: flag.choice(SAMPLERS).default('pc'),
  steps: flag.integer(1, 100_000).optional(),
  seed: flag.integer(0, Number.MAX_SAFE_INTEGER).default(0),
  threads: flag.integer(0, 256).default(0),
  out: flag.text(),
});

/**
 * The mean of n inpaintings of each held-out image, at the model's resolution: the estimate of
 * E[x | known] whose PSNR `training.evaluate --inpainted` compares with the harmonic-fill baseline.
 * Prints NFE and seconds, so the metric comes with its cost.
 */
export async function inpaintMeanBench(raw: RawFlags, log: (line: string) => void): Promise<void> {
  const f = validateFlags(schema, raw);
  const model = await loadModel(await resolveModelDir(f.model), { threads: f.threads });
  try {
    const [c, h, w] = model.shape;
    const images = await readNpy(f.images);
    const masks = await readNpy(f.masks);
    if (images.shape.join() !== [images.shape[0], c, h, w].join()) {
      throw new UsageError(
        `--images: expected [N,${c},${h},${w}], got [${images.shape.join(',')}]`,
      );
    }
    if (masks.shape.join() !== [images.shape[0], 1, h, w].join()) {
      throw new UsageError(
        `--masks: expected [${images.shape[0]},1,${h},${w}], got [${masks.shape.join(',')}]`,
      );
    }
    const count = Math.min(f.count ?? Infinity, images.shape[0]!);
    const spec = samplerSpecSchema.parse({ sampler: f.sampler, steps: f.steps });
    const size = c * h * w;
    const out = new Float32Array(count * size);
    const start = performance.now();
    let nfe = 0;
    for (let i = 0; i < count; i++) {
      const known = tensor(Float32Array.from(images.data.subarray(i * size, (i + 1) * size)), [
        1,
        c,
        h,
        w,
      ]);
      const mask = Float32Array.from(masks.data.subarray(i * h * w, (i + 1) * h * w));
      const r = await inpaint(model, known, mask, { spec, n: f.n, seed: f.seed + i });
      nfe += r.nfe;
      for (let k = 0; k < f.n; k++) {
        for (let j = 0; j < size; j++) out[i * size + j]! += r.x.data[k * size + j]! / f.n;
      }
    }
    await writeNpy(f.out, out, [count, c, h, w]);
    const seconds = (performance.now() - start) / 1000;
    log(
      JSON.stringify({
        images: count,
        n: f.n,
        sampler: f.sampler,
        nfePerImage: nfe / count,
        seconds,
        out: f.out,
      }),
    );
  } finally {
    await model.dispose();
  }
}
