import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { AppEvent } from '../../preload/api.ts';
import { createWsApi, type WsApi } from '../../preload/ws-client.ts';
import { createApiHost, type ApiHost } from '../engine-host/api-impl.ts';
import { forkSpawner } from '../engine-host/engine-client.ts';
import { memorySettings } from '../engine-host/settings.ts';
import { APP_ROOT } from '../engine/models-dir.ts';
import { startServer, type RunningServer } from './server.ts';

const MIXTURES = join(APP_ROOT, 'main', 'engine', '__fixtures__', 'mixtures');

/** A raw GET: Node's client sends the path as written, `..` included. */
function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The close code or the HTTP status a refused upgrade ends with. */
function tryUpgrade(url: string, origin?: string): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
    ws.on('error', () => resolve('error'));
  });
}

describe('browser-mode server', () => {
  let dir: string;
  let host: ApiHost;
  let server: RunningServer;
  let origin: string;
  let api: WsApi;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sde-serve-'));
    const root = join(dir, 'renderer');
    await mkdir(join(root, 'assets'), { recursive: true });
    await writeFile(join(root, 'index.html'), '<!doctype html><title>SDE Studio</title>');
    await writeFile(join(root, 'assets', 'app.js'), 'console.log(1)');
    await writeFile(join(root, '.env'), 'hidden');
    await writeFile(join(dir, 'secret.txt'), 'SECRET');
    host = createApiHost({
      spawn: forkSpawner(),
      modelRoots: [MIXTURES],
      settings: memorySettings(),
      capabilities: { host: 'browser', canSaveToDisk: false },
    });
    server = await startServer({ host, rendererDir: root, token: 'test-token-123' });
    origin = `http://127.0.0.1:${server.port}`;
    api = createWsApi(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, {
      connect: (url) => new WebSocket(url, { origin }),
    });
  });

  afterAll(async () => {
    api.close();
    host.dispose();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints a loopback address that carries the token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=test-token-123`);
  });

  it('refuses pages without the token and serves them with it', async () => {
    expect((await get(server.port, '/')).status).toBe(401);
    expect((await get(server.port, '/?token=wrong')).status).toBe(401);
    const page = await get(server.port, '/?token=test-token-123');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const cookie = String(page.headers['set-cookie']).split(';')[0]!;
    const script = await get(server.port, '/assets/app.js', { cookie });
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get(server.port, '/assets/app.js')).status).toBe(401);
    // An app route falls back to index.html; a missing asset does not.
    expect((await get(server.port, '/editor?token=test-token-123')).body).toContain('SDE Studio');
    expect((await get(server.port, '/assets/missing.js', { cookie })).status).toBe(404);
  });

  it('refuses directory traversal, hidden files and foreign Host headers', async () => {
    const auth = { cookie: 'sde_studio_token=test-token-123' };
    for (const path of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/.env',
    ]) {
      const res = await get(server.port, path, auth);
      expect(res.status, path).toBe(403);
      expect(res.body).not.toContain('SECRET');
    }
    expect((await get(server.port, '/', { ...auth, host: 'evil.example:80' })).status).toBe(421);
  });

  it('refuses WebSocket connections without the token or from another origin', async () => {
    const base = `ws://127.0.0.1:${server.port}/api`;
    expect(await tryUpgrade(base, origin)).toBe('401');
    expect(await tryUpgrade(`${base}?token=nope`, origin)).toBe('401');
    expect(await tryUpgrade(`${base}?token=test-token-123`, 'http://evil.example')).toBe('403');
    expect(await tryUpgrade(`${base}?token=test-token-123`)).toBe('403');
    expect(await tryUpgrade(`${base}?token=test-token-123`, origin)).toBe('open');
  });

  it('runs a generate job over the WebSocket with progress and results', async () => {
    const models = await api.listModels();
    expect(models.map((m) => m.id)).toContain('vp');
    expect(models.find((m) => m.id === 'vp')?.labels).toEqual(['a', 'b', 'c']);
    const events: AppEvent[] = [];
    const unsubscribe = api.onEvent((e) => events.push(e));
    const { jobId } = await api.startJob({
      kind: 'generate',
      modelId: 'vp',
      n: 2,
      seed: 4,
      spec: { sampler: 'heun', steps: 10 },
      classLabel: 'b',
    });
    const done = await new Promise<AppEvent>((resolve) => {
      const poll = setInterval(() => {
        const found = events.find(
          (e) => 'jobId' in e && e.jobId === jobId && e.type !== 'progress',
        );
        if (found) {
          clearInterval(poll);
          resolve(found);
        }
      }, 5);
    });
    unsubscribe();
    expect(done.type).toBe('done');
    if (done.type !== 'done') return;
    expect(done.results).toHaveLength(2);
    expect(done.results[0]!.png).toBeInstanceOf(Uint8Array);
    expect(events.some((e) => e.type === 'progress' && e.jobId === jobId)).toBe(true);
    expect((await api.engineInfo()).provider).toBe('cpu');
  });

  it('rejects bad arguments with a message naming the field', async () => {
    await expect(
      api.startJob({ kind: 'generate', modelId: 'vp', n: 17, seed: 0, spec: {} }),
    ).rejects.toThrow(/^startJob: n: /);
    await expect(
      api.startJob({ kind: 'generate', modelId: 'nope', n: 1, seed: 0, spec: {} }),
    ).rejects.toThrow('unknown model "nope"');
    await expect(
      api.saveBytes({ bytes: new Uint8Array(1), suggestedName: 'a.png', kind: 'image' }),
    ).rejects.toThrow(/download/);
    await expect(
      api.openImage({ bytes: new Uint8Array([1, 2, 3]), name: 'junk.png' }),
    ).rejects.toThrow(/junk.png is not a readable image/);
  });
});
