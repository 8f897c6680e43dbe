import { mkdtemp, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineClient, forkSpawner, type EngineClientEvent } from '../engine-host/engine-client.ts';
import { APP_ROOT } from '../engine/models-dir.ts';
import { bundleApp } from './bundle.ts';

// Electron cannot be downloaded here, so the built app's own processes are checked in plain Node:
// the bundled engine must run a job without tsx, and the preload must not pull in Node modules.
describe('app bundle', () => {
  let out = '';
  afterAll(() => rm(out, { recursive: true, force: true }));

  it('builds an engine that runs a job on its own, and a self-contained preload', async () => {
    // Inside the app folder, so the bundle resolves the external native addons from node_modules.
    await mkdir(join(APP_ROOT, 'dist'), { recursive: true });
    out = await mkdtemp(join(APP_ROOT, 'dist', 'bundle-test-'));
    await bundleApp(out);
    const preload = await readFile(join(out, 'preload', 'preload.cjs'), 'utf8');
    expect(preload).not.toMatch(/require\("(?!electron")/);

    const events: EngineClientEvent[] = [];
    const entry = join(out, 'app', 'engine-process.mjs');
    const client = new EngineClient({
      spawn: forkSpawner({ entry }),
      onEvent: (e) => events.push(e),
    });
    try {
      await client.ready();
      client.submit('bundled', {
        kind: 'generate',
        modelDir: join(APP_ROOT, 'main', 'engine', '__fixtures__', 'mixtures', 'vp'),
        n: 2,
        seed: 3,
        spec: { sampler: 'dpm++3m', steps: 10 },
      });
      const end = await new Promise<EngineClientEvent>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('the bundled engine never finished')),
          60_000,
        );
        const poll = setInterval(() => {
          const e = events.find((v) => v.type === 'done' || v.type === 'error');
          if (e) {
            clearInterval(poll);
            clearTimeout(timer);
            resolve(e);
          }
        }, 10);
      });
      expect(end).toMatchObject({ type: 'done', jobId: 'bundled' });
    } finally {
      client.stop();
    }
  });
});
