import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { AppEvent } from '../../preload/api.ts';
import { APP_ROOT } from '../engine/models-dir.ts';
import { samplerSpecSchema } from '../engine/samplers/spec.ts';
import { parseManifest } from '../engine/score/manifest.ts';
import { loadModel } from '../engine/score/score-model.ts';
import { createApiHost, modelInfo } from './api-impl.ts';
import type { EngineChild } from './engine-client.ts';
import { EngineRunner } from './engine-runner.ts';
import { memorySettings } from './settings.ts';

const MIXTURES = join(APP_ROOT, 'main', 'engine', '__fixtures__', 'mixtures');

/** The engine in this process, behind the same message boundary (structured clone) as a child. */
function inProcessEngine(sentToEngine: unknown[]): () => EngineChild {
  return () => {
    let listener: (m: unknown) => void = () => undefined;
    const runner = new EngineRunner({
      send: (m) => setImmediate(() => listener(structuredClone(m))),
      load: (dir, config) => loadModel(dir, { threads: config.threads, providers: ['cpu'] }),
    });
    setImmediate(() => listener({ type: 'ready', pid: process.pid }));
    return {
      postMessage: (m) => {
        sentToEngine.push(m);
        runner.handle(structuredClone(m));
      },
      onMessage: (l) => (listener = l),
      onExit: () => undefined,
      kill: () => undefined,
    };
  };
}

function newHost() {
  const sent: unknown[] = [];
  const host = createApiHost({
    spawn: inProcessEngine(sent),
    modelRoots: [MIXTURES],
    settings: memorySettings(),
    capabilities: { host: 'browser', canSaveToDisk: false },
  });
  const events: AppEvent[] = [];
  host.onEvent((e) => events.push(e));
  return { host, sent, events };
}

async function pngOf(width: number, height: number, channels: 1 | 3): Promise<Uint8Array> {
  const data = Buffer.alloc(width * height * channels, 0).map((_, i) => (i * 29) % 256);
  return sharp(data, { raw: { width, height, channels } }).png().toBuffer();
}

function until(events: AppEvent[], p: (e: AppEvent) => boolean): Promise<AppEvent> {
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      const found = events.find(p);
      if (found) {
        clearInterval(poll);
        resolve(found);
      }
    }, 2);
  });
}

describe('API implementation', () => {
  it('opens an image from bytes, keeps it, shows it, closes it', async () => {
    const { host } = newHost();
    const doc = await host.handlers.openImage({ bytes: await pngOf(12, 9, 3), name: 'p.png' });
    expect(doc).toMatchObject({ name: 'p.png', width: 12, height: 9, isGray: false });
    const shown = await sharp(doc.displayPng).metadata();
    expect([shown.width, shown.height]).toEqual([12, 9]);
    expect(host.documents.get(doc.docId).image.width).toBe(12);
    await host.handlers.closeDocument({ docId: doc.docId });
    expect(host.documents.size).toBe(0);
    await expect(host.handlers.openImage({ path: '/no/such/file.png' })).rejects.toThrow(
      /cannot read/,
    );
    host.dispose();
  });

  it('inpaints an open document at its own size through the engine', async () => {
    const { host, events } = newHost();
    const doc = await host.handlers.openImage({ bytes: await pngOf(16, 8, 1), name: 'g.png' });
    const mask = await sharp(
      Buffer.alloc(16 * 8).map((_, i) => (i % 16 < 4 && i < 64 ? 255 : 0)),
      { raw: { width: 16, height: 8, channels: 1 } },
    )
      .png()
      .toBuffer();
    const { jobId } = await host.handlers.startJob({
      kind: 'inpaint',
      docId: doc.docId,
      maskPng: mask,
      modelId: 'vp',
      n: 2,
      seed: 3,
      spec: samplerSpecSchema.parse({ sampler: 'euler', steps: 5 }),
      margin: 4,
    });
    const end = await until(
      events,
      (e) => 'jobId' in e && e.jobId === jobId && e.type !== 'progress',
    );
    expect(end.type === 'error' ? end.message : end.type).toBe('done');
    if (end.type !== 'done') return;
    expect(end.results.map((r) => [r.width, r.height])).toEqual([
      [16, 8],
      [16, 8],
    ]);
    expect((await host.handlers.engineInfo()).provider).toBe('cpu');
    host.dispose();
  });

  it('passes provider and thread changes to the engine, and refuses disk saves in browser mode', async () => {
    const { host, sent } = newHost();
    await host.engine.ready();
    const settings = await host.handlers.setSettings({ provider: 'cpu', threads: 2 });
    expect(settings).toEqual({ provider: 'cpu', threads: 2, defaultSampler: 'dpm++3m' });
    expect(sent.at(-1)).toEqual({ type: 'configure', config: { threads: 2, providers: ['cpu'] } });
    await host.handlers.setSettings({ defaultSampler: 'heun' });
    expect(sent.filter((m) => (m as { type: string }).type === 'configure')).toHaveLength(2);
    await expect(
      host.handlers.saveBytes({ bytes: new Uint8Array(1), suggestedName: 'a.png', kind: 'image' }),
    ).rejects.toThrow(/browser mode/);
    const models = await host.handlers.listModels();
    expect(models.find((m) => m.id === 'vp-d16')).toMatchObject({
      image: { channels: 1, height: 4, width: 4 },
      sde: 'vp',
      guidance: 1,
      error: null,
    });
    host.dispose();
  });
});

describe('modelInfo', () => {
  it("gives the renderer the Fast preset's measured choices without their reasons", () => {
    const manifest = parseManifest({
      format: 1,
      id: 'm',
      name: 'M',
      image: { channels: 3, height: 32, width: 32, range: [-1, 1] },
      sde: { type: 'vp', beta_min: 0.1, beta_max: 20 },
      score: { file: 'score.onnx', predicts: 'noise' },
      license: 'MIT',
      data: 'toy',
      fastSampler: { sampler: 'pc', steps: 100, why: 'FD' },
      fastCorrector: {
        inpaint: { steps: 2, why: '40 tuning images' },
        colorize: { steps: 1, posteriorSteps: 1, why: '20 tuning images' },
      },
      notRecommendedFor: { colorize: 'below gray' },
    });
    expect(modelInfo({ id: 'm', dir: '/m', manifest })).toMatchObject({
      fastSampler: { sampler: 'pc', steps: 100 },
      fastCorrection: {
        inpaint: { correctorSteps: 2, posteriorSteps: 0 },
        colorize: { correctorSteps: 1, posteriorSteps: 1 },
      },
      notRecommendedFor: { colorize: 'below gray' },
    });
    // A broken folder is listed with its error and no choices.
    expect(modelInfo({ id: 'x', dir: '/x', error: 'bad' })).toMatchObject({
      fastSampler: null,
      fastCorrection: {},
      error: 'bad',
    });
  });
});
