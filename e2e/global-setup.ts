import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Builds the renderer if needed, makes the test models, and starts browser mode on a free port;
 * the printed address (with its token) reaches the specs as SDE_E2E_URL.
 *
 * Models: the specs run on analytic stand-ins whose score is exact, so they are fast and do not
 * change when a bundled model is retrained: an 8x8 RGB Gaussian (inpaint, colorize) written into .runs/ by
 * models/analytic/make_gaussian_image_model.py, and the 4x4 Gaussian mixture with a classifier
 * from main/engine/__fixtures__/mixtures (generate by class, interpolate).
 */
const ROOT = resolve(import.meta.dirname, '..');
export const E2E_MODELS = join(ROOT, '.runs', 'renderer', 'e2e-models');

function ensureRenderer(): void {
  if (existsSync(join(ROOT, 'dist', 'renderer', 'index.html')) && !process.env['SDE_E2E_REBUILD']) {
    return;
  }
  execFileSync(
    join(ROOT, 'node_modules', '.bin', 'vite'),
    ['build', '-c', 'vite.renderer.config.ts'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
}

function ensureModels(): void {
  const gaussian = join(E2E_MODELS, 'gaussian-rgb8');
  if (!existsSync(join(gaussian, 'model.json'))) {
    mkdirSync(E2E_MODELS, { recursive: true });
    execFileSync(
      '/usr/bin/python3',
      [
        '-c',
        'import sys; from pathlib import Path; import analytic.make_gaussian_image_model as m; ' +
          'm.write_folder(Path(sys.argv[1]))',
        gaussian,
      ],
      { cwd: join(ROOT, 'models'), stdio: 'inherit' },
    );
  }
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  ensureRenderer();
  ensureModels();
  const models = [E2E_MODELS, join(ROOT, 'main', 'engine', '__fixtures__', 'mixtures')].join(':');
  const server = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), ['main/server/index.ts'], {
    cwd: ROOT,
    env: { ...process.env, SDE_STUDIO_MODELS: models },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`browser mode did not start:\n${log}`)), 60_000);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      const m = /open (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        res(m[1]!);
      }
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData);
    server.on('exit', (code) => rej(new Error(`browser mode exited with ${code}:\n${log}`)));
  });
  process.env['SDE_E2E_URL'] = url;
  return async () => {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  };
}
