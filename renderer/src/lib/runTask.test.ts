// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { installApi } from '../api/host';
import { createFakeApi } from '../testing/fakeApi';
import { useDocumentStore } from '../stores/document';
import { useEditorStore } from '../stores/editor';
import { useEngineStore } from '../stores/engine';
import { useJobsStore } from '../stores/jobs';
import { useNoticesStore } from '../stores/notices';
import { useTasksStore } from '../stores/tasks';
import { modelProblem, runTask } from './runTask';

describe('runTask', () => {
  let fake: ReturnType<typeof createFakeApi>;
  beforeEach(() => {
    setActivePinia(createPinia());
    fake = createFakeApi();
    installApi(fake.api);
  });

  it('says what is missing instead of starting a job that would fail', async () => {
    const notices = useNoticesStore();
    expect(await runTask('inpaint')).toBe(false);
    expect(notices.items.at(-1)?.text).toBe('Open an image first');
    await useDocumentStore().open(new Uint8Array(4), 'photo.png');
    useTasksStore().inpaint.modelId = 'faces32-vp';
    expect(await runTask('inpaint')).toBe(false);
    expect(notices.items.at(-1)?.text).toMatch(/Paint over/);
    expect(fake.started).toEqual([]);
  });

  it('sends the mask as a PNG with the preset, seed, margin and feather', async () => {
    await useDocumentStore().open(new Uint8Array(4), 'photo.png');
    const editor = useEditorStore();
    editor.mask!.fillRect({ x: 1, y: 1, width: 5, height: 5 }, 'paint');
    const tasks = useTasksStore();
    Object.assign(tasks.inpaint, {
      modelId: 'faces32-vp',
      preset: 'quality',
      steps: 1000,
      n: 3,
      seed: 42,
      seedLocked: true,
      margin: 64,
      feather: null,
    });
    expect(await runTask('inpaint')).toBe(true);
    const req = fake.started[0]!;
    expect(req).toMatchObject({
      kind: 'inpaint',
      docId: 'doc1',
      modelId: 'faces32-vp',
      n: 3,
      seed: 42,
      margin: 64,
      spec: { sampler: 'pc', steps: 1000, corrector: 'langevin' },
    });
    expect('feather' in req).toBe(false);
    const png = (req as { maskPng: Uint8Array }).maskPng;
    expect(Array.from(png.subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]);
  });

  it('colorizes with the corrector under the Fast preset, and generates with DPM-Solver++', async () => {
    await useDocumentStore().open(new Uint8Array(4), 'scan.png');
    const tasks = useTasksStore();
    tasks.colorize.modelId = 'faces32-vp';
    expect(tasks.colorize.preset).toBe('fast');
    await runTask('colorize');
    expect(fake.started[0]).toMatchObject({ spec: { sampler: 'pc', steps: 100 } });
    useJobsStore().handle({ type: 'done', jobId: 'job1', results: [], nfe: 0, seconds: 0 });
    tasks.generate.modelId = 'fashion28-vp';
    await runTask('generate');
    expect(fake.started[1]).toMatchObject({ spec: { sampler: 'dpm++3m', steps: 20 } });
    useJobsStore().handle({ type: 'done', jobId: 'job2', results: [], nfe: 0, seconds: 0 });
    // faces32-vp's measurements chose PC for its Fast preset.
    await useEngineStore().refreshModels();
    Object.assign(tasks.generate, { modelId: 'faces32-vp', steps: 100 });
    await runTask('generate');
    expect(fake.started[2]).toMatchObject({ spec: { sampler: 'pc', steps: 100 } });
  });

  it("fills under the Fast preset with the corrections the model's measurements chose", async () => {
    await useEngineStore().refreshModels();
    await useDocumentStore().open(new Uint8Array(4), 'photo.png');
    useEditorStore().mask!.fillRect({ x: 1, y: 1, width: 5, height: 5 }, 'paint');
    const tasks = useTasksStore();
    tasks.inpaint.modelId = 'faces32-vp';
    expect(await runTask('inpaint')).toBe(true);
    expect(fake.started[0]).toMatchObject({
      spec: { sampler: 'pc', steps: 100, correctorSteps: 2 },
    });
    expect(fake.started[0]!.spec).not.toHaveProperty('posteriorSteps');
    useJobsStore().handle({ type: 'done', jobId: 'job1', results: [], nfe: 0, seconds: 0 });
    // The choice is per task: for colorization faces32-vp names the posterior correction instead.
    tasks.colorize.modelId = 'faces32-vp';
    await runTask('colorize');
    expect(fake.started[1]!.spec).not.toHaveProperty('correctorSteps');
    expect(fake.started[1]!.spec).toMatchObject({ sampler: 'pc', steps: 100, posteriorSteps: 1 });
  });

  it('asks for a class with its guidance, and interpolates between seeds or documents only', async () => {
    const tasks = useTasksStore();
    Object.assign(tasks.generate, { modelId: 'fashion28-vp', classLabel: 'Trouser', guidance: 2 });
    await runTask('generate');
    expect(fake.started[0]).toMatchObject({ classLabel: 'Trouser', guidance: 2 });
    // One job at a time: the next starts once this one is over.
    useJobsStore().handle({ type: 'done', jobId: 'job1', results: [], nfe: 0, seconds: 0 });

    tasks.interpolate.modelId = 'fashion28-vp';
    tasks.interpolate.preset = 'quality';
    await runTask('interpolate');
    expect(fake.started[1]).toMatchObject({ ends: { seeds: [1, 2] }, spec: { sampler: 'ode' } });
  });

  it('refuses to mix a seed and a document as interpolation ends', async () => {
    const tasks = useTasksStore();
    tasks.interpolate.modelId = 'fashion28-vp';
    tasks.interpolate.b = { kind: 'doc', docId: 'doc7' };
    expect(await runTask('interpolate')).toBe(false);
    tasks.interpolate.a = { kind: 'doc', docId: 'doc3' };
    expect(await runTask('interpolate')).toBe(true);
    expect(fake.started[0]).toMatchObject({ ends: { docIds: ['doc3', 'doc7'] } });
  });

  it('explains which models cannot do a task', () => {
    const gray = {
      id: 'g',
      name: 'g',
      image: { channels: 1, height: 28, width: 28 },
      sde: 'vp' as const,
      labels: [],
      guidance: 1,
      fastSampler: null,
      fastCorrection: {},
      notRecommendedFor: {},
      license: '',
      error: null,
    };
    expect(modelProblem('colorize', gray, null)?.label).toBe('needs a colour model');
    expect(modelProblem('inpaint', gray, { isGray: false })?.detail).toMatch(/grayscale model/);
    expect(modelProblem('inpaint', gray, { isGray: true })).toBeNull();
    expect(modelProblem('generate', { ...gray, error: 'bad manifest' }, null)).toEqual({
      label: 'cannot be loaded',
      detail: 'bad manifest',
    });
    const weak = { ...gray, image: { ...gray.image, channels: 3 } };
    weak.notRecommendedFor = { colorize: 'PSNR 20.9 dB against the gray input 21.3' };
    expect(modelProblem('colorize', weak, null)).toEqual({
      label: 'not recommended',
      detail: 'measured: PSNR 20.9 dB against the gray input 21.3',
    });
    expect(modelProblem('inpaint', weak, { isGray: false })).toBeNull();
  });
});
