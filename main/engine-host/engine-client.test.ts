import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ROOT } from '../engine/models-dir.ts';
import { EngineClient, forkSpawner, type EngineClientEvent } from './engine-client.ts';
import type { EngineWorkInput } from './protocol.ts';

const MIXTURE = join(APP_ROOT, 'main', 'engine', '__fixtures__', 'mixtures', 'vp');
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];

/** Thousands of cheap evaluations: long enough to be caught running. */
const LONG: EngineWorkInput = {
  kind: 'generate',
  modelDir: MIXTURE,
  n: 2,
  seed: 1,
  spec: { sampler: 'pc', steps: 50_000 },
};

describe('engine client with a forked engine', () => {
  const events: EngineClientEvent[] = [];
  let client: EngineClient;

  function next(
    predicate: (e: EngineClientEvent) => boolean,
    from = 0,
  ): Promise<EngineClientEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for an event')), 60_000);
      const poll = setInterval(() => {
        const found = events.slice(from).find(predicate);
        if (found) {
          clearInterval(poll);
          clearTimeout(timer);
          resolve(found);
        }
      }, 5);
    });
  }

  beforeAll(async () => {
    client = new EngineClient({ spawn: forkSpawner(), onEvent: (e) => events.push(e) });
    await client.ready();
  });
  afterAll(() => client.stop());

  it('runs a generate job with progress and PNG results', async () => {
    const from = events.length;
    client.submit('gen-1', {
      kind: 'generate',
      modelDir: MIXTURE,
      n: 3,
      seed: 7,
      spec: { sampler: 'euler', steps: 30 },
    });
    const done = await next((e) => e.type === 'done' || e.type === 'error', from);
    expect(done).toMatchObject({ type: 'done', jobId: 'gen-1' });
    if (done.type !== 'done') return;
    expect(done.results).toHaveLength(3);
    for (const r of done.results) {
      expect([r.width, r.height]).toEqual([2, 1]);
      expect([...r.png.subarray(0, 4)]).toEqual(PNG_MAGIC);
    }
    expect(done.nfe).toBeGreaterThanOrEqual(30);
    const progress = events.slice(from).filter((e) => e.type === 'progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]).toMatchObject({ jobId: 'gen-1' });
    expect(progress.some((e) => e.type === 'progress' && e.previewPng !== undefined)).toBe(true);
    expect(client.info()).toMatchObject({ status: 'ready', provider: 'cpu', queued: 0 });
  });

  it('cancels a running job and a queued one', async () => {
    const from = events.length;
    client.submit('long-1', LONG);
    client.submit('queued-1', LONG);
    await next((e) => e.type === 'progress' && e.jobId === 'long-1', from);
    expect(client.cancel('queued-1')).toBe(true);
    expect(client.cancel('long-1')).toBe(true);
    await next((e) => e.type === 'cancelled' && e.jobId === 'long-1', from);
    await next((e) => e.type === 'cancelled' && e.jobId === 'queued-1', from);
    expect(events.slice(from).some((e) => e.type === 'done' || e.type === 'error')).toBe(false);
    expect(client.cancel('long-1')).toBe(false);
  });

  it('reports a crash mid-job, restarts the engine and runs the next job', async () => {
    const from = events.length;
    client.submit('doomed', LONG);
    client.submit('waiting', { ...LONG, spec: { sampler: 'euler', steps: 10 } });
    await next((e) => e.type === 'progress' && e.jobId === 'doomed', from);
    client.kill();
    const error = await next((e) => e.type === 'error', from);
    expect(error).toMatchObject({ jobId: 'doomed' });
    expect(error.type === 'error' && error.message).toMatch(
      /^the engine stopped unexpectedly \(.+\); it has been restarted$/,
    );
    await next((e) => e.type === 'engine' && e.status === 'restarted', from);
    expect(events.slice(from).some((e) => e.type === 'engine' && e.status === 'crashed')).toBe(
      true,
    );
    // The job waiting behind the crashed one survives it.
    await next((e) => e.type === 'done' && e.jobId === 'waiting', from);
    client.submit('after', {
      kind: 'generate',
      modelDir: MIXTURE,
      n: 1,
      seed: 0,
      spec: { sampler: 'heun', steps: 5 },
    });
    await next((e) => e.type === 'done' && e.jobId === 'after', from);
  });

  it('reports a broken model as a job error', async () => {
    const from = events.length;
    client.submit('bad', { ...LONG, modelDir: join(APP_ROOT, 'no-such-model') });
    const error = await next(
      (e) => 'jobId' in e && e.jobId === 'bad' && e.type !== 'progress',
      from,
    );
    expect(error.type).toBe('error');
  });
});

describe('engine client message checks', () => {
  it('fails a job whose engine message breaks the protocol, and validates what it sends', () => {
    const events: EngineClientEvent[] = [];
    const posted: unknown[] = [];
    let deliver: (m: unknown) => void = () => undefined;
    const client = new EngineClient({
      spawn: () => ({
        postMessage: (m) => posted.push(m),
        onMessage: (l) => (deliver = l),
        onExit: () => undefined,
        kill: () => undefined,
      }),
      onEvent: (e) => events.push(e),
    });
    deliver({ type: 'ready', pid: 1 });
    client.submit('j', { kind: 'generate', modelDir: MIXTURE, n: 1, seed: 0, spec: {} });
    expect(posted.at(-1)).toMatchObject({
      type: 'run',
      jobId: 'j',
      work: { spec: { sampler: 'dpm++3m' } },
    });
    deliver({
      type: 'done',
      jobId: 'j',
      results: [{ png: 'not bytes', width: 1, height: 1 }],
      nfe: 1,
      seconds: 0,
    });
    expect(events.at(-1)).toMatchObject({
      type: 'error',
      jobId: 'j',
      message: expect.stringMatching(/malformed/),
    });
    expect(posted.at(-1)).toEqual({ type: 'cancel', jobId: 'j' });
    expect(() => client.submit('k', { ...LONG, n: 99 })).toThrow();
    expect(client.info().queued).toBe(0);
  });
});
