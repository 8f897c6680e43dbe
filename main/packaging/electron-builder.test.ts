import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { APP_ROOT } from '../engine/models-dir.ts';

// electron-builder downloads Electron and its tools when it builds, which this machine cannot do,
// so the configuration is checked here instead: a broken file would otherwise surface only at
// release time.
interface BuilderConfig {
  files: string[];
  asarUnpack: string[];
  extraResources: { from: string; to: string; filter: string[] }[];
  linux: { target: string[] };
  win: { target: string[] };
  mac: { target: { target: string; arch: string[] }[] };
}

const config = parse(readFileSync(join(APP_ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig;

const bundled = readdirSync(join(APP_ROOT, 'models'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(APP_ROOT, 'models', d.name, 'model.json')))
  .map((d) => `models/${d.name}`);

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

  it('ships every bundled model folder, and every listed folder is complete', () => {
    const listed = config.extraResources.map((r) => r.from);
    for (const dir of bundled) expect(listed).toContain(dir);
    for (const r of config.extraResources) {
      expect(r.to).toBe(r.from);
      const manifest = JSON.parse(readFileSync(join(APP_ROOT, r.from, 'model.json'), 'utf8')) as {
        score: { file: string };
        classifier?: { file: string };
      };
      for (const file of [manifest.score.file, manifest.classifier?.file]) {
        if (!file) continue;
        expect(existsSync(join(APP_ROOT, r.from, file)), `${r.from}/${file}`).toBe(true);
        expect(r.filter.some((f) => f === file || (f === '*.onnx' && file.endsWith('.onnx')))).toBe(
          true,
        );
      }
    }
  });
});
