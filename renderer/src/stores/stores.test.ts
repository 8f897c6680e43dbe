// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { installApi } from '../api/host';
import { createFakeApi } from '../testing/fakeApi';
import { useDocumentStore } from './document';
import { useEditorStore } from './editor';
import { useEngineStore } from './engine';
import { estimateEta, formatDuration, useJobsStore } from './jobs';
import { useNoticesStore } from './notices';
import { useTasksStore } from './tasks';

const png = (n: number) => new Uint8Array(n).fill(7);

describe('stores', () => {
  let fake: ReturnType<typeof createFakeApi>;
  beforeEach(() => {
    setActivePinia(createPinia());
    fake = createFakeApi();
    installApi(fake.api);
  });

  it('opens a document with a fresh mask and reports a corrupt file as a message', async () => {
    const doc = useDocumentStore();
    const editor = useEditorStore();
    const notices = useNoticesStore();
    expect(await doc.open(png(10), 'photo.png')).not.toBeNull();
    expect(doc.current?.docId).toBe('doc1');
    expect(editor.mask?.width).toBe(64);
    expect(await doc.open(png(10), 'corrupt.png')).toBeNull();
    expect(doc.current?.docId).toBe('doc1');
    expect(notices.items.at(-1)).toMatchObject({
      level: 'error',
      text: 'Could not open corrupt.png',
    });
    expect(notices.items.at(-1)?.detail).toMatch(/not an image/);
  });

  it('applies a result undoably: the document and the cleared mask come back together', async () => {
    const doc = useDocumentStore();
    const editor = useEditorStore();
    await doc.open(png(10), 'photo.png');
    editor.recordMask(
      editor.mask!.fillRect({ x: 0, y: 0, width: 10, height: 10 }, 'paint'),
      'Rect',
    );
    const ok = await doc.applyResult({ png: png(20), width: 64, height: 48 }, 'inpainted');
    expect(ok).toBe(true);
    expect(doc.current?.docId).toBe('doc2');
    expect(doc.before?.docId).toBe('doc1');
    expect(editor.mask!.isEmpty()).toBe(true);
    expect(editor.history.undoLabel).toBe('inpainted');
    editor.history.undo();
    expect(doc.current?.docId).toBe('doc1');
    expect(doc.before).toBeNull();
    expect(editor.mask!.isEmpty()).toBe(false);
    editor.history.redo();
    expect(doc.current?.docId).toBe('doc2');
    expect(await doc.applyResult({ png: png(1), width: 3, height: 3 }, 'x')).toBe(false);
  });

  it('follows a job from start through progress to its variants', async () => {
    const jobs = useJobsStore();
    let t = 0;
    jobs.setClock(() => t);
    const req = {
      kind: 'generate' as const,
      modelId: 'fashion28-vp',
      n: 2,
      seed: 1,
      spec: { sampler: 'dpm++3m' as const, steps: 20 },
    };
    expect(await jobs.start(req)).toBe(true);
    expect(await jobs.start(req)).toBe(false);
    t = 10_000;
    jobs.handle({
      type: 'progress',
      jobId: 'job1',
      step: 5,
      total: 20,
      fraction: 0.25,
      etaSeconds: null,
    });
    expect(jobs.active?.etaSeconds).toBeCloseTo(30);
    jobs.handle({
      type: 'progress',
      jobId: 'other',
      step: 9,
      total: 20,
      fraction: 0.9,
      etaSeconds: 1,
    });
    expect(jobs.active?.step).toBe(5);
    jobs.handle({
      type: 'done',
      jobId: 'job1',
      results: [
        { png: png(3), width: 28, height: 28 },
        { png: png(3), width: 28, height: 28 },
      ],
      nfe: 21,
      seconds: 2,
    });
    expect(jobs.running).toBe(false);
    expect(jobs.results.generate?.variants.length).toBe(2);
    jobs.select('generate', 1);
    expect(jobs.results.generate?.selected).toBe(1);
  });

  it('keeps events that arrive before the job id, and ends on error or cancel', async () => {
    let release: (v: { jobId: string }) => void = () => undefined;
    fake = createFakeApi({ startJob: () => new Promise((r) => (release = r)) });
    installApi(fake.api);
    const jobs = useJobsStore();
    const notices = useNoticesStore();
    const req = { kind: 'colorize' as const, docId: 'd', modelId: 'm', n: 1, seed: 0, spec: {} };
    const started = jobs.start(req);
    jobs.handle({ type: 'error', jobId: 'j9', message: 'the model needs 3 channels' });
    expect(jobs.running).toBe(true);
    release({ jobId: 'j9' });
    await started;
    expect(jobs.running).toBe(false);
    expect(notices.items.at(-1)).toMatchObject({ text: 'Colorizing failed' });

    fake = createFakeApi();
    installApi(fake.api);
    await jobs.start(req);
    await jobs.cancel();
    expect(jobs.active?.cancelling).toBe(true);
    jobs.handle({ type: 'cancelled', jobId: 'job1' });
    expect(jobs.running).toBe(false);
  });

  it('reports a job the host refuses', async () => {
    installApi(createFakeApi({ startJob: () => Promise.reject(new Error('n: at most 16')) }).api);
    const jobs = useJobsStore();
    const ok = await jobs.start({ kind: 'generate', modelId: 'm', n: 99, seed: 0, spec: {} });
    expect(ok).toBe(false);
    expect(jobs.running).toBe(false);
    expect(useNoticesStore().items.at(-1)?.detail).toBe('n: at most 16');
  });

  it('loads models, settings and engine info, and rolls seeds unless locked', async () => {
    const engine = useEngineStore();
    await engine.load();
    expect(engine.models.length).toBe(2);
    expect(engine.settings?.defaultSampler).toBe('dpm++3m');
    expect(engine.info?.provider).toBe('cpu');
    await engine.updateSettings({ threads: 4 });
    expect(engine.settings?.threads).toBe(4);
    const tasks = useTasksStore();
    tasks.generate.seed = 5;
    tasks.generate.seedLocked = true;
    expect(tasks.takeSeed(tasks.generate)).toBe(5);
    tasks.generate.seedLocked = false;
    tasks.takeSeed(tasks.generate);
    expect(tasks.generate.seed).not.toBe(5);
  });

  it('formats durations and estimates the ETA', () => {
    expect(formatDuration(0.3)).toBe('<1 s');
    expect(formatDuration(75)).toBe('1 min 15 s');
    expect(estimateEta(0.01, 5)).toBeNull();
    expect(estimateEta(0.5, 5)).toBe(5);
  });

  it('records mask edits in the history and folds duplicate notices', () => {
    const editor = useEditorStore();
    editor.newMask(10, 10);
    editor.invertMask();
    expect(editor.history.undoLabel).toBe('Invert mask');
    editor.clearMask();
    editor.history.undo();
    expect(editor.mask!.isEmpty()).toBe(false);
    editor.setTool('eraser');
    expect(editor.tool).toBe('eraser');
    const n = useNoticesStore();
    n.error('x');
    n.error('x');
    expect(n.items.length).toBe(1);
  });
});
