/**
 * Messages between the parent (Electron main or the browser-mode server) and the engine process.
 * Both sides validate what they send and what they receive with these schemas. The transport is
 * structured clone (`utilityProcess`, or `child_process.fork` with advanced serialization), so
 * typed arrays travel as they are.
 */
import { z } from 'zod';
import { samplerSpecSchema } from '../engine/samplers/spec.ts';
import { PROVIDERS } from '../engine/score/onnx-session.ts';
import { doneEventSchema, LIMITS, progressEventSchema } from '../../preload/api.ts';

function typedArray<T>(tag: string) {
  return z.custom<T>(
    (v) => ArrayBuffer.isView(v) && Object.prototype.toString.call(v) === `[object ${tag}]`,
    { message: `expected a ${tag}` },
  );
}

/** A decoded document (imaging's RgbImage without its source path). */
export const imagePayloadSchema = z
  .object({
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    channels: z.union([z.literal(1), z.literal(3)]),
    data: typedArray<Float32Array>('Float32Array'),
    bitDepth: z.union([z.literal(8), z.literal(16)]),
    isGray: z.boolean(),
    notes: z.array(z.string()),
  })
  .refine((img) => img.data.length === img.width * img.height * img.channels, {
    message: 'image data does not match its size',
  });
export type ImagePayload = z.infer<typeof imagePayloadSchema>;

export const maskPayloadSchema = z
  .object({
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    data: typedArray<Uint8Array>('Uint8Array'),
  })
  .refine((m) => m.data.length === m.width * m.height, {
    message: 'mask data does not match its size',
  });

const modelDir = z.string().min(1);
const seed = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const n = z.number().int().min(1).max(LIMITS.maxN);

export const engineWorkSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('generate'),
    modelDir,
    n,
    seed,
    spec: samplerSpecSchema,
    classLabel: z.union([z.string(), z.number().int().min(0)]).optional(),
    guidance: z.number().min(0).optional(),
  }),
  z.object({
    kind: z.literal('inpaint'),
    modelDir,
    image: imagePayloadSchema,
    mask: maskPayloadSchema,
    n,
    seed,
    spec: samplerSpecSchema,
    margin: z.number().int().min(1).optional(),
    feather: z.number().int().min(0).optional(),
  }),
  z.object({
    kind: z.literal('colorize'),
    modelDir,
    image: imagePayloadSchema,
    n,
    seed,
    spec: samplerSpecSchema,
  }),
  z.object({
    kind: z.literal('interpolate'),
    modelDir,
    ends: z.union([
      z.object({ seeds: z.tuple([seed, seed]) }),
      z.object({ images: z.tuple([imagePayloadSchema, imagePayloadSchema]) }),
    ]),
    frames: z.number().int().min(LIMITS.minFrames).max(LIMITS.maxFrames),
    seed,
    spec: samplerSpecSchema,
  }),
]);
export type EngineWork = z.infer<typeof engineWorkSchema>;
/** Before validation: the spec's defaults may still be missing. */
export type EngineWorkInput = z.input<typeof engineWorkSchema>;

export const engineConfigSchema = z.object({
  /** Providers to try in order; absent: the platform's default order. */
  providers: z.array(z.enum(PROVIDERS)).optional(),
  threads: z.number().int().min(0),
});
export type EngineConfig = z.infer<typeof engineConfigSchema>;

const jobId = z.string().min(1).max(128);

export const toEngineSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('configure'), config: engineConfigSchema }),
  z.object({ type: z.literal('run'), jobId, work: engineWorkSchema }),
  z.object({ type: z.literal('cancel'), jobId }),
]);
export type ToEngine = z.infer<typeof toEngineSchema>;
export type ToEngineInput = z.input<typeof toEngineSchema>;

export const fromEngineSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), pid: z.number().int() }),
  z.object({ type: z.literal('started'), jobId }),
  progressEventSchema,
  doneEventSchema,
  z.object({ type: z.literal('error'), jobId, message: z.string() }),
  z.object({ type: z.literal('cancelled'), jobId }),
  /** A model was loaded: where it runs, for engineInfo. */
  z.object({
    type: z.literal('model'),
    provider: z.string(),
    threads: z.number().int().min(0),
    notes: z.array(z.string()),
  }),
]);
export type FromEngine = z.infer<typeof fromEngineSchema>;
