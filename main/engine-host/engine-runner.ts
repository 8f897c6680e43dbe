/**
 * The engine process's brain, kept apart from its transport so that it can be tested in-process:
 * a FIFO queue that runs one job at a time, a small cache of loaded models, throttled progress with
 * preview PNGs, and cancellation between network evaluations.
 */
import { encodeGridPng } from '../engine/io/grid.ts';
import type { ScoreModel } from '../engine/score/score-model.ts';
import type { Tensor } from '../engine/tensor.ts';
import { runWork, type EngineModel } from './engine-work.ts';
import { toEngineSchema, type EngineConfig, type EngineWork, type FromEngine } from './protocol.ts';

export type LoadedModel = EngineModel & Pick<ScoreModel, 'provider' | 'notes' | 'dispose'>;

export interface RunnerDeps {
  send(message: FromEngine): void;
  load(dir: string, config: EngineConfig): Promise<LoadedModel>;
  /** Least time between two progress messages. Default 250 ms. */
  progressIntervalMs?: number;
  /** Models kept loaded. Default 2. */
  cacheSize?: number;
  now?: () => number;
}

interface QueuedJob {
  jobId: string;
  work: EngineWork;
}

/** Progress is reported only once this much is done; before that an ETA is a guess. */
const MIN_FRACTION_FOR_ETA = 0.02;

export class EngineRunner {
  private readonly queue: QueuedJob[] = [];
  private running: { jobId: string; controller: AbortController } | null = null;
  private config: EngineConfig = { threads: 0 };
  /** Insertion order is recency: the first entry is evicted first. */
  private readonly models = new Map<string, Promise<LoadedModel>>();
  /** Models to release once no job uses them. */
  private stale: Promise<LoadedModel>[] = [];
  private readonly interval: number;
  private readonly cacheSize: number;
  private readonly now: () => number;

  constructor(private readonly deps: RunnerDeps) {
    this.interval = deps.progressIntervalMs ?? 250;
    this.cacheSize = deps.cacheSize ?? 2;
    this.now = deps.now ?? (() => performance.now());
  }

  /** One message from the parent; malformed ones are answered with an error when they name a job. */
  handle(raw: unknown): void {
    const parsed = toEngineSchema.safeParse(raw);
    if (!parsed.success) {
      const jobId = (raw as { jobId?: unknown } | null)?.jobId;
      if (typeof jobId === 'string' && jobId !== '') {
        this.deps.send({
          type: 'error',
          jobId,
          message: `invalid job: ${parsed.error.issues[0]?.message}`,
        });
      }
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'configure':
        this.config = message.config;
        // New provider or threads: sessions are recreated on next use.
        this.stale.push(...this.models.values());
        this.models.clear();
        this.releaseStale();
        break;
      case 'run':
        this.queue.push({ jobId: message.jobId, work: message.work });
        this.pump();
        break;
      case 'cancel':
        this.cancel(message.jobId);
        break;
    }
  }

  get busy(): boolean {
    return this.running !== null;
  }

  private cancel(jobId: string): void {
    if (this.running?.jobId === jobId) {
      this.running.controller.abort();
      return;
    }
    const at = this.queue.findIndex((j) => j.jobId === jobId);
    if (at >= 0) {
      this.queue.splice(at, 1);
      this.deps.send({ type: 'cancelled', jobId });
    }
  }

  private pump(): void {
    if (this.running) return;
    const job = this.queue.shift();
    if (!job) return;
    const controller = new AbortController();
    this.running = { jobId: job.jobId, controller };
    void this.run(job, controller.signal).finally(() => {
      this.running = null;
      this.releaseStale();
      this.pump();
    });
  }

  private releaseStale(): void {
    if (this.running) return;
    const stale = this.stale;
    this.stale = [];
    for (const model of stale) void model.then((m) => m.dispose()).catch(() => undefined);
  }

  private model(dir: string): Promise<LoadedModel> {
    const cached = this.models.get(dir);
    if (cached) {
      this.models.delete(dir);
      this.models.set(dir, cached);
      return cached;
    }
    const loading = this.deps.load(dir, this.config);
    this.models.set(dir, loading);
    loading.then(
      (m) =>
        this.deps.send({
          type: 'model',
          provider: m.provider,
          threads: this.config.threads,
          notes: [...m.notes],
        }),
      () => this.models.delete(dir),
    );
    while (this.models.size > this.cacheSize) {
      const [oldest, model] = this.models.entries().next().value!;
      this.models.delete(oldest);
      this.stale.push(model);
    }
    return loading;
  }

  private async run({ jobId, work }: QueuedJob, signal: AbortSignal): Promise<void> {
    const { send } = this.deps;
    send({ type: 'started', jobId });
    const start = this.now();
    let lastProgress = -Infinity;
    // Previews are encoded asynchronously; the chain keeps them in order and before the result.
    let previews = Promise.resolve();
    try {
      const loaded = await this.model(work.modelDir);
      signal.throwIfAborted();
      const range = loaded.manifest.image.range;
      const model: EngineModel = {
        sde: loaded.sde,
        shape: loaded.shape,
        manifest: loaded.manifest,
        ...(loaded.classifierGrad ? { classifierGrad: loaded.classifierGrad } : {}),
        score: async (x, t) => {
          // session.run may hold the thread for the whole evaluation: yielding to the event loop
          // before each one lets a cancel message in, and no evaluation starts after it.
          await new Promise((resolve) => setImmediate(resolve));
          signal.throwIfAborted();
          return loaded.score(x, t);
        },
      };
      const output = await runWork(work, model, {
        signal,
        onProgress: ({ step, fraction, preview }) => {
          const now = this.now();
          if (now - lastProgress < this.interval) return;
          lastProgress = now;
          const elapsed = (now - start) / 1000;
          const known = fraction >= MIN_FRACTION_FOR_ETA;
          const event = {
            type: 'progress' as const,
            jobId,
            step,
            total: known ? Math.max(step, Math.round(step / fraction)) : null,
            fraction,
            etaSeconds: known ? (elapsed * (1 - fraction)) / fraction : null,
          };
          previews = previews
            .then(async () => {
              const previewPng = preview ? await previewOf(preview, range) : undefined;
              if (!signal.aborted) send(previewPng ? { ...event, previewPng } : event);
            })
            .catch(() => undefined);
        },
      });
      await previews;
      send({
        type: 'done',
        jobId,
        results: output.results,
        nfe: output.nfe,
        seconds: (this.now() - start) / 1000,
        ...(output.gif ? { gif: output.gif } : {}),
      });
    } catch (e) {
      await previews;
      if (signal.aborted) send({ type: 'cancelled', jobId });
      else send({ type: 'error', jobId, message: messageOf(e) });
    }
  }
}

async function previewOf(
  x: Tensor,
  range: readonly [number, number],
): Promise<Uint8Array | undefined> {
  const c = x.shape[1];
  // A PNG holds 1 or 3 channels; other models get progress without a picture.
  if (c !== 1 && c !== 3) return undefined;
  return encodeGridPng(x, range);
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
