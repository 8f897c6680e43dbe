import type { AppEvent, DocumentInfo, JobRequest, SdeStudioApi } from '../../../preload/api';

/** A host double for store and component tests: records calls, lets the test emit events. */
export function createFakeApi(overrides: Partial<SdeStudioApi> = {}) {
  const listeners = new Set<(e: AppEvent) => void>();
  const started: JobRequest[] = [];
  const opened: string[] = [];
  let jobCounter = 0;

  const base: SdeStudioApi = {
    capabilities: { host: 'browser', canSaveToDisk: false },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    listModels: async () => [
      {
        id: 'faces32-vp',
        name: 'Faces 32',
        image: { channels: 3, height: 32, width: 32 },
        sde: 'vp',
        labels: [],
        guidance: 1,
        fastSampler: { sampler: 'pc', steps: 100 },
        fastCorrection: {
          inpaint: { correctorSteps: 2, posteriorSteps: 0 },
          colorize: { correctorSteps: 1, posteriorSteps: 1 },
        },
        notRecommendedFor: {},
        license: 'MIT',
        error: null,
      },
      {
        id: 'fashion28-vp',
        name: 'Fashion 28',
        image: { channels: 1, height: 28, width: 28 },
        sde: 'vp',
        labels: ['T-shirt/top', 'Trouser'],
        guidance: 3,
        fastSampler: null,
        fastCorrection: {},
        notRecommendedFor: {},
        license: 'MIT',
        error: null,
      },
    ],
    openImage: async (arg) => {
      const name = 'name' in arg ? arg.name : arg.path;
      opened.push(name);
      if (name.includes('corrupt')) throw new Error(`${name}: not an image this app can read`);
      const info: DocumentInfo = {
        docId: `doc${opened.length}`,
        name,
        width: 64,
        height: 48,
        isGray: name.includes('gray'),
        notes: [],
        displayPng: 'bytes' in arg ? arg.bytes : new Uint8Array([1]),
      };
      return info;
    },
    closeDocument: async () => null,
    startJob: async (req) => {
      started.push(req);
      return { jobId: `job${++jobCounter}` };
    },
    cancelJob: async () => true,
    getSettings: async () => ({ provider: 'auto', threads: 0, defaultSampler: 'dpm++3m' }),
    setSettings: async (patch) => ({
      provider: 'auto',
      threads: 0,
      defaultSampler: 'dpm++3m',
      ...patch,
    }),
    engineInfo: async () => ({
      status: 'ready',
      provider: 'cpu',
      threads: 2,
      notes: [],
      queued: 0,
    }),
    saveBytes: async () => null,
  };
  const fake = { ...base, ...overrides };
  return {
    api: fake,
    started,
    opened,
    emit(e: AppEvent) {
      for (const l of listeners) l(e);
    },
  };
}
