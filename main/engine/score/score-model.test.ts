import { copyFile, mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Tensor } from '../tensor.ts';
import { loadModel, type ScoreModel } from './score-model.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__');
const loaded: ScoreModel[] = [];
let work: string | undefined;

afterAll(async () => {
  await Promise.all(loaded.map((m) => m.dispose()));
});

/** A model folder in a temp dir holding fixture graphs under the manifest's file names. */
async function folder(
  files: Record<string, string>,
  overrides: Record<string, unknown> = {},
): Promise<string> {
  work ??= await mkdtemp(join(tmpdir(), 'score-model-'));
  const dir = join(work, `m${Math.random().toString(36).slice(2)}`);
  await mkdir(dir);
  for (const [name, fixture] of Object.entries(files)) {
    await copyFile(join(FIXTURES, fixture), join(dir, name));
  }
  const manifest = {
    format: 1,
    id: 'toy',
    name: 'Toy 4x4',
    image: { channels: 1, height: 4, width: 4, range: [-1, 1] },
    sde: { type: 'vp', beta_min: 0.1, beta_max: 20, N: 1000, eps: 0.001 },
    score: { file: 'score.onnx', predicts: 'score' },
    license: 'MIT',
    data: 'none',
    ...overrides,
  };
  await writeFile(join(dir, 'model.json'), JSON.stringify(manifest));
  return dir;
}

async function load(dir: string, maxBatch?: number): Promise<ScoreModel> {
  const model = await loadModel(dir, { providers: ['cpu'], threads: 1, maxBatch });
  loaded.push(model);
  return model;
}

function batch(b: number): Tensor {
  return {
    data: Float32Array.from({ length: b * 16 }, (_, i) => (i % 7) - 3),
    shape: [b, 1, 4, 4],
  };
}

describe('loadModel', () => {
  it('evaluates the score in chunks and counts evaluations', async () => {
    const model = await load(await folder({ 'score.onnx': 'score.onnx' }), 2);
    expect(model.shape).toEqual([1, 4, 4]);
    expect(model.provider).toBe('cpu');
    expect(model.sde.type).toBe('vp');
    expect(model.evaluations).toBe(0);
    expect(model.networkMs).toBe(0);
    const x = batch(5);
    const s = await model.score(x, 0.5);
    // score.onnx computes -x / (1 + t).
    expect(Array.from(s)).toEqual(Array.from(x.data, (v) => Math.fround(-v / 1.5)));
    expect(model.evaluations).toBe(1);
    expect(model.networkMs).toBeGreaterThan(0);
    expect(model.classifierGrad).toBeUndefined();
  });

  it('turns a noise prediction into a score, -eps / std(t)', async () => {
    const dir = await folder(
      { 'n.onnx': 'score.onnx' },
      { score: { file: 'n.onnx', predicts: 'noise' } },
    );
    const model = await load(dir);
    const x = batch(3);
    const t = 0.3;
    const std = model.sde.marginal(t).std;
    const s = await model.score(x, t);
    s.forEach((v, i) => expect(v).toBeCloseTo(x.data[i]! / (1 + t) / std, 5));
  });

  it('exposes the classifier gradient of log p(y | x)', async () => {
    const labels = { classifier: { file: 'c.onnx', labels: ['even', 'odd'] } };
    const dir = await folder({ 'score.onnx': 'score.onnx', 'c.onnx': 'classifier.onnx' }, labels);
    const model = await load(dir, 1);
    const x: Tensor = { data: new Float32Array(32).fill(0.1), shape: [2, 1, 4, 4] };
    const g = await model.classifierGrad!(x, 0.5, [0, 1]);
    // logits [s, -s] with s = 1.6: grad = sign_y - tanh(s).
    expect(g[0]).toBeCloseTo(1 - Math.tanh(1.6), 5);
    expect(g[31]).toBeCloseTo(-1 - Math.tanh(1.6), 5);
    await expect(model.classifierGrad!(x, 0.5, [0, 2])).rejects.toThrow(/label 2 is not in 0..1/);
  });

  it.each([
    [
      {},
      { image: { channels: 3, height: 4, width: 4, range: [-1, 1] } },
      /score.onnx: x has 1 at axis 1, model.json image.channels says 3/,
    ],
    [
      { 'score.onnx': 'bad-input-name.onnx' },
      {},
      /score.onnx: expected inputs x, t, the graph has img, t \(missing x\)/,
    ],
    [
      { 'score.onnx': 'bad-shape.onnx' },
      {},
      /score.onnx: x has 3 at axis 1, model.json image.channels says 1/,
    ],
    [{ 'score.onnx': 'nan.onnx' }, {}, /score.onnx: non-finite output \(NaN\) on the test batch/],
    [
      { 'score.onnx': 'classifier.onnx' },
      {},
      /score.onnx: expected inputs x, t, the graph has x, t, y|expected outputs score/,
    ],
    [
      { 'score.onnx': 'make_fixtures.py' },
      {},
      /cannot load .*score.onnx: .*Protobuf parsing failed/,
    ],
    [
      {},
      { score: { file: 'gone.onnx', predicts: 'score' } },
      /missing file: .*gone.onnx \(model.json score.file\)/,
    ],
    [
      { 'score.onnx': 'score.onnx', 'c.onnx': 'score.onnx' },
      { classifier: { file: 'c.onnx', labels: ['a', 'b'] } },
      /c.onnx: expected inputs x, t, y, the graph has x, t \(missing y\)/,
    ],
    [
      { 'score.onnx': 'score.onnx', 'c.onnx': 'classifier.onnx' },
      { classifier: { file: 'c.onnx', labels: ['a', 'b', 'c'] } },
      /c.onnx: logits has 2 at axis 1, model.json labels says 3/,
    ],
  ])(
    'rejects a broken folder with a message naming the problem (%#)',
    async (files, overrides, message) => {
      const dir = await folder({ 'score.onnx': 'score.onnx', ...files }, overrides);
      await expect(loadModel(dir, { providers: ['cpu'], threads: 1 })).rejects.toThrow(message);
    },
  );

  it('says when a folder is not a model folder', async () => {
    await expect(loadModel(FIXTURES)).rejects.toThrow(/not a model folder: .* has no model.json/);
  });
});
