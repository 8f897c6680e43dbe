/**
 * SdeStudioApi implemented on top of the engine process, the document store and the settings:
 * the one implementation behind both Electron main (through IPC) and browser mode (through the
 * WebSocket). Transport-free: arguments arrive validated, results leave to be validated again.
 */
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { encodeImage, readImage } from '../engine/imaging/image.ts';
import { listModels, type ModelEntry } from '../engine/models-dir.ts';
import type {
  ApiHandlers,
  AppEvent,
  Capabilities,
  DocumentInfo,
  ModelInfo,
  Settings,
} from '../../preload/api.ts';
import { DocumentStore } from './documents.ts';
import { EngineClient, type EngineSpawner } from './engine-client.ts';
import { toEngineWork } from './jobs.ts';
import { engineConfigOf, type SettingsStore } from './settings.ts';

export interface ApiHostOptions {
  spawn: EngineSpawner;
  /** Folders of model folders (models-dir.ts `modelRoots()`). */
  modelRoots: readonly string[];
  settings: SettingsStore;
  capabilities: Capabilities;
  documents?: DocumentStore;
  /** The native save dialog; absent in browser mode, where the renderer downloads instead. */
  saveBytes?: ApiHandlers['saveBytes'];
}

export interface ApiHost {
  handlers: ApiHandlers;
  capabilities: Capabilities;
  /** Every event for the renderer(s); returns the unsubscribe function. */
  onEvent(listener: (event: AppEvent) => void): () => void;
  /** Events the host itself raises (menus, opened documents). */
  emit(event: AppEvent): void;
  engine: EngineClient;
  documents: DocumentStore;
  dispose(): void;
}

export function modelInfo(entry: ModelEntry): ModelInfo {
  const m = entry.manifest;
  return {
    id: entry.id,
    name: m?.name ?? entry.id,
    image: {
      channels: m?.image.channels ?? 0,
      height: m?.image.height ?? 0,
      width: m?.image.width ?? 0,
    },
    sde: m?.sde.type ?? null,
    labels: m?.classifier ? [...m.classifier.labels] : [],
    guidance: m?.classifier?.guidance ?? 1,
    fastSampler: m?.fastSampler
      ? { sampler: m.fastSampler.sampler, steps: m.fastSampler.steps ?? 20 }
      : null,
    fastCorrection: Object.fromEntries(
      Object.entries(m?.fastCorrector ?? {}).map(([task, choice]) => [
        task,
        { correctorSteps: choice.steps, posteriorSteps: choice.posteriorSteps ?? 0 },
      ]),
    ),
    notRecommendedFor: { ...m?.notRecommendedFor },
    license: m?.license ?? '',
    error: entry.error ?? null,
  };
}

export function createApiHost(options: ApiHostOptions): ApiHost {
  const listeners = new Set<(event: AppEvent) => void>();
  const emit = (event: AppEvent): void => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (e) {
        // One broken listener (a closed socket) must not starve the others.
        console.error(`event listener failed: ${(e as Error).message}`);
      }
    }
  };
  const documents = options.documents ?? new DocumentStore();
  const engine = new EngineClient({
    spawn: options.spawn,
    onEvent: emit,
    config: engineConfigOf(options.settings.get()),
  });
  const models = () => listModels(options.modelRoots);

  const handlers: ApiHandlers = {
    async listModels() {
      return (await models()).map(modelInfo);
    },
    async openImage(arg): Promise<DocumentInfo> {
      const name = 'path' in arg ? basename(arg.path) : arg.name;
      const image =
        'path' in arg
          ? await readImage(arg.path)
          : await readImage(
              Buffer.from(arg.bytes.buffer, arg.bytes.byteOffset, arg.bytes.byteLength),
              {
                name,
              },
            );
      const doc = documents.add(name, image);
      try {
        const displayPng = await encodeImage({ ...image, bitDepth: 8 }, 'png');
        return {
          docId: doc.docId,
          name,
          width: image.width,
          height: image.height,
          isGray: image.isGray,
          notes: [...image.notes],
          displayPng,
        };
      } catch (e) {
        documents.close(doc.docId);
        throw e;
      }
    },
    async closeDocument({ docId }) {
      documents.close(docId);
      return null;
    },
    async startJob(request) {
      const work = await toEngineWork(request, { documents, models });
      const jobId = randomUUID();
      engine.submit(jobId, work);
      return { jobId };
    },
    async cancelJob({ jobId }) {
      return engine.cancel(jobId);
    },
    async getSettings() {
      return options.settings.get();
    },
    async setSettings(changes) {
      const before = options.settings.get();
      const next: Settings = { ...before, ...changes };
      await options.settings.set(next);
      if (next.provider !== before.provider || next.threads !== before.threads) {
        engine.configure(engineConfigOf(next));
      }
      return next;
    },
    async engineInfo() {
      return engine.info();
    },
    async saveBytes(arg) {
      if (!options.saveBytes) {
        throw new Error(
          'saving to disk is not available in browser mode; download the file instead',
        );
      }
      return options.saveBytes(arg);
    },
  };

  return {
    handlers,
    capabilities: options.capabilities,
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit,
    engine,
    documents,
    dispose() {
      engine.stop();
      listeners.clear();
    },
  };
}
