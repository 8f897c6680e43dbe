/**
 * THE CONTRACT between the renderer and every host (Electron main through the preload, and the
 * browser-mode server through `preload/ws-client.ts`). `window.sdeStudio` is an `SdeStudioApi`.
 *
 * One table, `API_METHODS`, names every method with zod schemas of its argument and its result;
 * both hosts validate every message with it at the boundary, and the preload and the WebSocket
 * client are generated from it. Events (job progress and results, engine status, menu commands)
 * arrive through `onEvent` and are described by `appEventSchema`.
 *
 * Binary data is `Uint8Array` everywhere in this API. Electron IPC carries it as is (structured
 * clone); the WebSocket carries it inside JSON as `{"$bytes": "<base64>"}` (see `ws-codec.ts`).
 *
 * This file is imported by the renderer: zod and the engine's pure sampler-spec schema only, no
 * Node or Electron imports. Change it only together with both hosts and the renderer.
 */
import { z } from 'zod';
import {
  CONSTRAINED_TASKS,
  isConstrainedTask,
  posteriorStepsOf,
  SAMPLERS,
  samplerSpecSchema,
} from '../main/engine/samplers/spec.ts';
import { API_METHOD_NAMES, type ApiMethodName } from './channels.ts';

export { SAMPLERS, API_METHOD_NAMES, isConstrainedTask, posteriorStepsOf };
export type { ApiMethodName };
export { IPC_EVENT_CHANNEL, ipcChannel, type CallOutcome } from './channels.ts';
export type { SamplerSpecInput } from '../main/engine/samplers/spec.ts';

// ---------------------------------------------------------------------------------------------
// Limits: a request above them is refused at the boundary with a message, never half-run.

export const LIMITS = {
  /** Variants per job. */
  maxN: 16,
  /** Interpolation frames, both ends included. */
  minFrames: 2,
  maxFrames: 64,
  /** An image file handed to openImage as bytes. */
  maxImageBytes: 256 * 1024 * 1024,
  /** A mask PNG (document size, white = fill). */
  maxMaskBytes: 64 * 1024 * 1024,
  /** Bytes handed to saveBytes. */
  maxSaveBytes: 512 * 1024 * 1024,
  maxNameLength: 255,
  maxPathLength: 4096,
  /** Context around an inpainted hole and the width of the blend band, in document pixels. */
  maxMargin: 4096,
  maxFeather: 1024,
  maxGuidance: 100,
} as const;

/**
 * A Uint8Array of at most `max` bytes. The tag test instead of `instanceof` also accepts arrays
 * made in another JavaScript realm (the preload's isolated world, a Node Buffer).
 */
export function bytes(max: number) {
  return z
    .custom<Uint8Array>(
      (v) => ArrayBuffer.isView(v) && Object.prototype.toString.call(v) === '[object Uint8Array]',
      { message: 'expected bytes (a Uint8Array)' },
    )
    .refine((v) => v.byteLength <= max, { message: `at most ${max} bytes` });
}

const id = z.string().min(1).max(128);
const seed = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const count = z.number().int().min(1).max(LIMITS.maxN);
const name = z.string().min(1).max(LIMITS.maxNameLength);
/** PNG bytes produced by the host (displays, results, previews). */
const png = bytes(LIMITS.maxSaveBytes);

// ---------------------------------------------------------------------------------------------
// Values

export const modelInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** One image at the model's resolution. */
  image: z.object({
    channels: z.number().int(),
    height: z.number().int(),
    width: z.number().int(),
  }),
  sde: z.enum(['ve', 'vp', 'subvp']).nullable(),
  /** Class labels of its classifier; empty when it has none (no class-conditional generation). */
  labels: z.array(z.string()),
  /** Classifier guidance the model recommends (1 when it names none). */
  guidance: z.number().min(0),
  /** The Fast preset's sampler for free generation, when the model's measurements chose one. */
  fastSampler: z
    .object({ sampler: z.enum(SAMPLERS), steps: z.number().int().positive() })
    .nullable(),
  /**
   * The Fast preset's corrections per constrained task, where the model's measurements chose other
   * than the paper's: Langevin corrector steps per PC step (paper: 1) and posterior-correction CG
   * steps (paper: 0, the replacement constraint alone).
   */
  fastCorrection: z.partialRecord(
    z.enum(CONSTRAINED_TASKS),
    z.object({
      correctorSteps: z.number().int().min(1).max(10),
      posteriorSteps: z.number().int().min(0).max(10),
    }),
  ),
  /** Tasks the model's measurements advise against, with the figures that decided. */
  notRecommendedFor: z.partialRecord(z.enum(CONSTRAINED_TASKS), z.string()),
  license: z.string(),
  /** Why the folder cannot be used (broken manifest); listed so the user can fix an import. */
  error: z.string().nullable(),
});
export type ModelInfo = z.infer<typeof modelInfoSchema>;

export const documentInfoSchema = z.object({
  docId: id,
  name: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  isGray: z.boolean(),
  /** What was converted while decoding (orientation, CMYK, alpha, colour profile). */
  notes: z.array(z.string()),
  /** The document as an 8-bit PNG at full size, for display; the host keeps the full-precision source. */
  displayPng: png,
});
export type DocumentInfo = z.infer<typeof documentInfoSchema>;

export const PROVIDER_SETTINGS = ['auto', 'cpu', 'cuda', 'dml', 'coreml'] as const;

export const settingsSchema = z.object({
  /** Execution provider to try first; auto: this platform's GPU, then the CPU. */
  provider: z.enum(PROVIDER_SETTINGS),
  /** CPU threads per network evaluation; 0 lets onnxruntime choose. */
  threads: z.number().int().min(0).max(1024),
  defaultSampler: z.enum(SAMPLERS),
});
export type Settings = z.infer<typeof settingsSchema>;

export const engineInfoSchema = z.object({
  status: z.enum(['starting', 'ready', 'busy', 'restarting']),
  /** The provider the last loaded model runs on; null before any model was loaded. */
  provider: z.string().nullable(),
  threads: z.number().int().min(0),
  /** Provider fallbacks and other things the user should know, one line each. */
  notes: z.array(z.string()),
  /** Jobs waiting behind the running one. */
  queued: z.number().int().min(0),
});
export type EngineInfo = z.infer<typeof engineInfoSchema>;

export const capabilitiesSchema = z.object({
  host: z.enum(['electron', 'browser']),
  /**
   * true: `saveBytes` opens a native save dialog and writes the file. false (browser mode): it is
   * refused; the renderer offers the bytes as a download instead.
   */
  canSaveToDisk: z.boolean(),
});
export type Capabilities = z.infer<typeof capabilitiesSchema>;

// ---------------------------------------------------------------------------------------------
// Jobs

/** Sampler options; missing fields take the engine's defaults (dpm++3m, 20 steps, ...). */
export const specSchema = samplerSpecSchema;

export const generateRequestSchema = z.object({
  kind: z.literal('generate'),
  modelId: id,
  n: count,
  seed,
  spec: specSchema,
  /** A class label of the model (its name, or its index as a number); unconditional when absent. */
  classLabel: z.union([z.string().min(1).max(200), z.number().int().min(0)]).optional(),
  /** Weight of the classifier gradient (1 = the paper's Eq. 14). Default 1. */
  guidance: z.number().min(0).max(LIMITS.maxGuidance).optional(),
});

export const inpaintRequestSchema = z.object({
  kind: z.literal('inpaint'),
  docId: id,
  /** PNG of the document's size: white = fill, black (or transparent) = keep. */
  maskPng: bytes(LIMITS.maxMaskBytes),
  modelId: id,
  n: count,
  seed,
  spec: specSchema,
  /** Context around each hole in document pixels; default: 128 or a quarter of the long side. */
  margin: z.number().int().min(1).max(LIMITS.maxMargin).optional(),
  /** Width of the blend band around the fill in document pixels; default from the margin. */
  feather: z.number().int().min(0).max(LIMITS.maxFeather).optional(),
});

export const colorizeRequestSchema = z.object({
  kind: z.literal('colorize'),
  docId: id,
  modelId: id,
  n: count,
  seed,
  spec: specSchema,
});

export const interpolateRequestSchema = z.object({
  kind: z.literal('interpolate'),
  modelId: id,
  /** Two seeds (their prior samples) or two open documents (their probability-flow codes). */
  ends: z.union([
    z.object({ seeds: z.tuple([seed, seed]) }).strict(),
    z.object({ docIds: z.tuple([id, id]) }).strict(),
  ]),
  frames: z.number().int().min(LIMITS.minFrames).max(LIMITS.maxFrames),
  /** Must be an ODE sampler (not pc): frames are decoded through the probability-flow ODE. */
  spec: specSchema,
});

export const jobRequestSchema = z.discriminatedUnion('kind', [
  generateRequestSchema,
  inpaintRequestSchema,
  colorizeRequestSchema,
  interpolateRequestSchema,
]);
/** What the renderer sends (spec fields optional). */
export type JobRequest = z.input<typeof jobRequestSchema>;
/** What a host works with after validation (spec defaults filled in). */
export type ValidJobRequest = z.output<typeof jobRequestSchema>;
export type JobKind = JobRequest['kind'];

export const jobResultSchema = z.object({
  /** The image as PNG: model size for generate/interpolate, document size for inpaint/colorize. */
  png,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});
export type JobResult = z.infer<typeof jobResultSchema>;

// ---------------------------------------------------------------------------------------------
// Events

export const progressEventSchema = z.object({
  type: z.literal('progress'),
  jobId: id,
  /** Network evaluations so far. */
  step: z.number().int().min(0),
  /** Expected evaluations in all; null while unknown (adaptive ODE solver at its start). */
  total: z.number().int().min(0).nullable(),
  /** Fraction done, 0..1. */
  fraction: z.number().min(0).max(1),
  etaSeconds: z.number().min(0).nullable(),
  /** Current best guess of the result (denoised estimate), model size, a grid when n > 1. */
  previewPng: png.optional(),
});

export const doneEventSchema = z.object({
  type: z.literal('done'),
  jobId: id,
  results: z.array(jobResultSchema),
  nfe: z.number().int().min(0),
  seconds: z.number().min(0),
  /** interpolate: the frames as a looping animated GIF. */
  gif: png.optional(),
});

export const jobErrorEventSchema = z.object({
  type: z.literal('error'),
  jobId: id,
  message: z.string(),
});

export const cancelledEventSchema = z.object({ type: z.literal('cancelled'), jobId: id });

export const jobEventSchema = z.discriminatedUnion('type', [
  progressEventSchema,
  doneEventSchema,
  jobErrorEventSchema,
  cancelledEventSchema,
]);
export type JobEvent = z.infer<typeof jobEventSchema>;

export const engineEventSchema = z.object({
  type: z.literal('engine'),
  status: z.enum(['crashed', 'restarted', 'ready']),
  message: z.string(),
  provider: z.string().optional(),
});
export type EngineEvent = z.infer<typeof engineEventSchema>;

/** Menu commands the renderer carries out itself (Electron only; browser mode has no menu). */
export const MENU_COMMANDS = [
  'save-result',
  'export',
  'export-mask',
  'undo',
  'redo',
  'zoom-in',
  'zoom-out',
  'zoom-fit',
  'zoom-100',
] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];

export const menuEventSchema = z.object({
  type: z.literal('menu'),
  command: z.enum(MENU_COMMANDS),
});

/** File > Open / Open Recent in Electron: the host opened the document; show it. */
export const documentOpenedEventSchema = z.object({
  type: z.literal('document-opened'),
  document: documentInfoSchema,
});

/** File > Import Mask in Electron: the file's bytes (any image format); the renderer decodes it. */
export const maskImportedEventSchema = z.object({
  type: z.literal('mask-imported'),
  name: z.string(),
  bytes: bytes(LIMITS.maxMaskBytes),
});

/** A model was imported or removed: call listModels again. */
export const modelsChangedEventSchema = z.object({ type: z.literal('models-changed') });

export const appEventSchema = z.discriminatedUnion('type', [
  progressEventSchema,
  doneEventSchema,
  jobErrorEventSchema,
  cancelledEventSchema,
  engineEventSchema,
  menuEventSchema,
  documentOpenedEventSchema,
  maskImportedEventSchema,
  modelsChangedEventSchema,
]);
export type AppEvent = z.infer<typeof appEventSchema>;

// ---------------------------------------------------------------------------------------------
// Methods

export const openImageArgSchema = z.union([
  z.object({ path: z.string().min(1).max(LIMITS.maxPathLength) }).strict(),
  z.object({ bytes: bytes(LIMITS.maxImageBytes), name }).strict(),
]);

export const SAVE_KINDS = ['image', 'mask', 'animation'] as const;

export const saveBytesArgSchema = z.object({
  bytes: bytes(LIMITS.maxSaveBytes),
  /** File name offered in the dialog, e.g. "photo-inpainted-1.png". */
  suggestedName: name,
  /** Picks the dialog's file filters: image/mask: .png; animation: .gif. */
  kind: z.enum(SAVE_KINDS),
});

const none = z.undefined();

/**
 * Every method: argument schema and result schema. A method whose argument is `z.undefined()` takes
 * no argument. Results with nothing to say are `null`.
 */
export const API_METHODS = {
  listModels: { arg: none, result: z.array(modelInfoSchema) },
  /** Decodes an image file (path: Electron; bytes: browser mode and drag-and-drop). */
  openImage: { arg: openImageArgSchema, result: documentInfoSchema },
  /** Forgets a document's source; its pending jobs still finish. */
  closeDocument: { arg: z.object({ docId: id }), result: z.null() },
  /** Queues a job; its progress and result arrive as events with the returned jobId. */
  startJob: { arg: jobRequestSchema, result: z.object({ jobId: id }) },
  /** true when the job was queued or running (a `cancelled` event follows), false when unknown or over. */
  cancelJob: { arg: z.object({ jobId: id }), result: z.boolean() },
  getSettings: { arg: none, result: settingsSchema },
  /** Changes some settings; returns all of them. Provider and threads apply to models loaded next. */
  setSettings: { arg: settingsSchema.partial(), result: settingsSchema },
  engineInfo: { arg: none, result: engineInfoSchema },
  /** Native save dialog, then writes the bytes; null when the user cancelled. See capabilities. */
  saveBytes: { arg: saveBytesArgSchema, result: z.object({ path: z.string() }).nullable() },
} as const satisfies Record<ApiMethodName, { arg: z.ZodType; result: z.ZodType }>;

export type ApiArg<M extends ApiMethodName> = z.input<(typeof API_METHODS)[M]['arg']>;
export type ApiResult<M extends ApiMethodName> = z.output<(typeof API_METHODS)[M]['result']>;
/** The argument after validation (defaults filled in), as a host's handler receives it. */
export type ApiValidArg<M extends ApiMethodName> = z.output<(typeof API_METHODS)[M]['arg']>;

/** The renderer-facing call signature of every method. */
export type ApiMethods = {
  [M in ApiMethodName]: [ApiArg<M>] extends [undefined]
    ? () => Promise<ApiResult<M>>
    : (arg: ApiArg<M>) => Promise<ApiResult<M>>;
};

/** `window.sdeStudio`. */
export interface SdeStudioApi extends ApiMethods {
  readonly capabilities: Capabilities;
  /** Subscribes to every event; returns the function that unsubscribes. */
  onEvent(listener: (event: AppEvent) => void): () => void;
}

/** What a host implements: validated arguments in, results out (validated again before sending). */
export type ApiHandlers = {
  [M in ApiMethodName]: [ApiValidArg<M>] extends [undefined]
    ? () => Promise<ApiResult<M>>
    : (arg: ApiValidArg<M>) => Promise<ApiResult<M>>;
};

/** The first problem of a failed parse, as one line naming the field. */
export function describeIssues(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid value';
  const path = issue.path.length > 0 ? issue.path.join('.') : 'argument';
  return `${path}: ${issue.message}`;
}
