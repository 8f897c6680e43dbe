import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { APP_ROOT, listModels, modelRoots, resolveModelDir } from './models-dir.ts';

let rootA: string;
let rootB: string;

async function model(root: string, folder: string, id: string): Promise<void> {
  await mkdir(join(root, folder), { recursive: true });
  const manifest = {
    format: 1,
    id,
    name: id,
    image: { channels: 1, height: 4, width: 4, range: [-1, 1] },
    sde: { type: 'vp', beta_min: 0.1, beta_max: 20 },
    score: { file: 'score.onnx', predicts: 'score' },
    license: 'MIT',
    data: 'none',
  };
  await writeFile(join(root, folder, 'model.json'), JSON.stringify(manifest));
}

beforeAll(async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'models-dir-'));
  rootA = join(tmp, 'a');
  rootB = join(tmp, 'b');
  await model(rootA, 'one', 'one');
  await model(rootA, 'two-folder', 'two');
  await model(rootB, 'one', 'one');
  await mkdir(join(rootB, 'broken'));
  await writeFile(join(rootB, 'broken', 'model.json'), '{}');
  await mkdir(join(rootB, 'not-a-model'));
});

describe('modelRoots', () => {
  it('puts the bundled models first and adds SDE_STUDIO_MODELS', () => {
    expect(modelRoots({})).toEqual([join(APP_ROOT, 'models')]);
    const roots = modelRoots({ SDE_STUDIO_MODELS: [rootA, '', rootB].join(delimiter) });
    expect(roots).toEqual([join(APP_ROOT, 'models'), rootA, rootB]);
  });

  it('finds the repository root from the module, not the working directory', () => {
    expect(join(APP_ROOT, 'main', 'engine')).toBe(import.meta.dirname);
  });
});

describe('listModels', () => {
  it('lists model folders, broken ones with their error', async () => {
    const models = await listModels([rootA, rootB, join(rootA, 'missing-root')]);
    expect(models.map((m) => [m.id, m.error === undefined])).toEqual([
      ['one', true],
      ['two', true],
      ['broken', false],
      ['one', true],
    ]);
    expect(models[2]!.error).toMatch(/model.json: format: missing/);
  });
});

describe('resolveModelDir', () => {
  it('resolves an id, the first root winning', async () => {
    await expect(resolveModelDir('two', [rootA, rootB])).resolves.toBe(join(rootA, 'two-folder'));
    await expect(resolveModelDir('one', [rootB, rootA])).resolves.toBe(join(rootB, 'one'));
  });

  it('takes paths as they are', async () => {
    await expect(resolveModelDir('./b/broken', [], join(rootA, '..'))).resolves.toBe(
      join(rootB, 'broken'),
    );
    await expect(resolveModelDir('a', [], join(rootA, '..'))).resolves.toBe(rootA);
    await expect(resolveModelDir('./nope', [], rootA)).rejects.toThrow(/no such model folder: /);
  });

  it('names the known ids when an id is unknown', async () => {
    await expect(resolveModelDir('three', [rootA], rootA)).rejects.toThrow(
      'unknown model "three": not a model id (known: one, two) nor a folder',
    );
    await expect(resolveModelDir('broken', [rootB], rootA)).rejects.toThrow(/format: missing/);
  });
});
