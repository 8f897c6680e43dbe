import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import type { Configuration } from 'app-builder-lib';
import { getFileMatchers } from 'app-builder-lib/out/fileMatcher.js';
import { walk } from 'builder-util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { APP_ROOT } from '../engine/models-dir.ts';

// electron-builder downloads Electron and its tools when it builds, which this machine cannot do,
// so the configuration is checked here instead: a broken file would otherwise surface only at
// release time.
interface BuilderConfig {
  files: string[];
  asarUnpack: string[];
  linux: { target: string[] };
  win: { target: string[] };
  mac: { target: { target: string; arch: string[] }[] };
}

const raw: unknown = parse(readFileSync(join(APP_ROOT, 'electron-builder.yml'), 'utf8'));
const config = raw as BuilderConfig;

/** Folders under models/ with a model.json: what the engine lists, so what must ship. */
function bundledModels(root: string): string[] {
  return readdirSync(join(root, 'models'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, 'models', d.name, 'model.json')))
    .map((d) => d.name);
}

/**
 * What `extraResources` copies when the project is at `root`, as paths inside the app's resources
 * folder. electron-builder's own matcher and directory walk decide (as in its copyFiles), so the
 * glob semantics checked here are the real ones, dot folders included.
 */
async function shippedResources(root: string): Promise<string[]> {
  const resources = join(root, 'resources');
  const matchers = getFileMatchers(raw as Configuration, 'extraResources', resources, {
    macroExpander: (s) => s,
    customBuildOptions: {},
    globalOutDir: join(root, 'dist', 'packages'),
    defaultSrc: root,
  });
  const shipped: string[] = [];
  for (const m of matchers ?? []) {
    if (m.isEmpty() || m.containsOnlyIgnore()) m.prependPattern('**/*');
    for (const file of await walk(m.from, m.createFilter())) {
      shipped.push(
        relative(resources, join(m.to, relative(m.from, file)))
          .split(sep)
          .join('/'),
      );
    }
  }
  return shipped.sort();
}

describe('electron-builder.yml', () => {
  it('targets AppImage, deb, NSIS and an arm64 dmg', () => {
    expect(config.linux.target).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(config.win.target).toContain('nsis');
    expect(config.mac.target).toContainEqual({ target: 'dmg', arch: ['arm64'] });
  });

  it('packs what npm run build writes, and package.json points at the main bundle', () => {
    for (const dir of ['dist/app/**', 'dist/preload/**', 'dist/renderer/**']) {
      expect(config.files).toContain(dir);
    }
    const pkg = JSON.parse(readFileSync(join(APP_ROOT, 'package.json'), 'utf8')) as {
      main: string;
    };
    expect(pkg.main).toBe('dist/app/main.mjs');
  });

  it('unpacks the native addons from the asar', () => {
    expect(config.asarUnpack).toEqual(
      expect.arrayContaining(['node_modules/onnxruntime-node/**', 'node_modules/sharp/**']),
    );
  });

  it('ships every file each bundled model folder needs, under resources/models/<folder>/', async () => {
    const shipped = await shippedResources(APP_ROOT);
    const models = bundledModels(APP_ROOT);
    expect(models.length).toBeGreaterThan(0);
    for (const name of models) {
      const dir = join(APP_ROOT, 'models', name);
      const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as {
        score: { file: string };
        classifier?: { file: string };
      };
      const pictures = readdirSync(dir).filter((f) => f.endsWith('.png'));
      const needed = ['model.json', 'MODEL_CARD.md', manifest.score.file, ...pictures];
      if (manifest.classifier) needed.push(manifest.classifier.file);
      for (const file of needed) {
        expect(existsSync(join(dir, file)), `models/${name}/${file} exists`).toBe(true);
        expect(shipped).toContain(`models/${name}/${file}`);
      }
    }
  });

  it('ships nothing from models/ but the model folders, and no PyTorch weights', async () => {
    const models = new Set(bundledModels(APP_ROOT));
    for (const file of await shippedResources(APP_ROOT)) {
      const [top, folder, name, ...deeper] = file.split('/');
      expect(top, file).toBe('models');
      expect(models.has(folder!), file).toBe(true);
      expect(deeper, file).toEqual([]);
      expect(name!.endsWith('.pt'), file).toBe(false);
    }
  });

  it('leaves out training code, tests, run folders, caches and evaluation weights', async () => {
    // Files the filter's globs would take (*/*.png, */*.onnx) if the exclusions did not work.
    const root = await mkdtemp(join(tmpdir(), 'sde-builder-'));
    try {
      const files = [
        'models/m1/model.json',
        'models/m1/score.onnx',
        'models/m1/MODEL_CARD.md',
        'models/m1/samples.png',
        'models/m1/eval_classifier.pt',
        'models/m1/notes.txt',
        'models/.runs/grid.png',
        'models/.runs/m1/samples.png',
        'models/.cache/cifar10-train.npz',
        'models/training/grid.png',
        'models/tests/fixture.onnx',
        'models/conftest.py',
      ];
      for (const file of files) {
        await mkdir(dirname(join(root, file)), { recursive: true });
        await writeFile(join(root, file), '');
      }
      expect(await shippedResources(root)).toEqual([
        'models/m1/MODEL_CARD.md',
        'models/m1/model.json',
        'models/m1/samples.png',
        'models/m1/score.onnx',
      ]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('puts the models where the packaged app looks for them', () => {
    // main.ts cannot be imported outside Electron, so its resources path is checked as text.
    const main = readFileSync(join(APP_ROOT, 'main', 'electron', 'main.ts'), 'utf8');
    expect(main).toContain("join(process.resourcesPath, 'models')");
  });
});
