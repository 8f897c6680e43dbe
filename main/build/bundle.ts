/**
 * Bundles what Electron runs: the main process and the engine process as ES modules in
 * `<out>/app/` (so models-dir's APP_ROOT, two folders up, is still the app root), and the preload
 * as one CommonJS file, because a sandboxed preload cannot load modules. Native addons stay
 * external: electron-builder unpacks them from the asar.
 */
import { build, type BuildOptions } from 'esbuild';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EXTERNAL = ['electron', 'onnxruntime-node', 'sharp', 'ws', 'tsx'];

export async function bundleApp(out = join(ROOT, 'dist')): Promise<void> {
  const common: BuildOptions = {
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    target: 'node22',
    sourcemap: true,
    external: EXTERNAL,
    logLevel: 'warning',
  };
  await Promise.all([
    build({
      ...common,
      format: 'esm',
      outExtension: { '.js': '.mjs' },
      // ESM has no require(); dependencies that still call it get one.
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
      entryPoints: {
        main: 'main/electron/main.ts',
        'engine-process': 'main/engine-host/engine-process.ts',
      },
      outdir: join(out, 'app'),
    }),
    build({
      ...common,
      format: 'cjs',
      entryPoints: ['preload/preload.ts'],
      outfile: join(out, 'preload', 'preload.cjs'),
    }),
  ]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await bundleApp();
  console.log('bundled dist/app/main.mjs, dist/app/engine-process.mjs, dist/preload/preload.cjs');
}
