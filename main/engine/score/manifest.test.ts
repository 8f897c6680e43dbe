import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifest, readManifest } from './manifest.ts';

function valid(): Record<string, unknown> {
  return {
    format: 1,
    id: 'fashion28-vp',
    name: 'Fashion 28x28',
    image: { channels: 1, height: 28, width: 28, range: [-1, 1] },
    sde: { type: 'vp', beta_min: 0.1, beta_max: 20, N: 1000, eps: 0.001 },
    score: { file: 'score.onnx', predicts: 'noise' },
    classifier: { file: 'classifier.onnx', labels: ['a', 'b'] },
    license: 'MIT',
    data: 'Fashion-MNIST',
    training: { steps: 10 },
    metrics: {},
  };
}

describe('parseManifest', () => {
  it('accepts the documented manifest and keeps unknown keys', () => {
    const m = parseManifest({ ...valid(), mixture: { weights: [1] } });
    expect(m.sde).toEqual({ type: 'vp', beta_min: 0.1, beta_max: 20, N: 1000, eps: 0.001 });
    expect(m.classifier?.labels).toEqual(['a', 'b']);
    expect((m as Record<string, unknown>)['mixture']).toEqual({ weights: [1] });
  });

  it('takes an optional recommended guidance for the classifier', () => {
    const classifier = { file: 'classifier.onnx', labels: ['a', 'b'], guidance: 3 };
    expect(parseManifest({ ...valid(), classifier }).classifier?.guidance).toBe(3);
    expect(() =>
      parseManifest({ ...valid(), classifier: { ...classifier, guidance: -1 } }),
    ).toThrow(/classifier\.guidance/);
  });

  it('takes an optional Fast sampler chosen by measurement', () => {
    const fastSampler = { sampler: 'pc', steps: 100, why: 'FD 2.1 against dpm++3m 9.8' };
    expect(parseManifest({ ...valid(), fastSampler }).fastSampler).toEqual(fastSampler);
    expect(() => parseManifest({ ...valid(), fastSampler: { sampler: 'ddim' } })).toThrow(
      /fastSampler\.sampler: expected one of pc, ode/,
    );
    expect(() => parseManifest({ ...valid(), fastSampler: { sampler: 'pc', steps: 0 } })).toThrow(
      /fastSampler\.steps: expected a positive integer/,
    );
  });

  it("takes optional corrector steps for the Fast preset's constrained tasks", () => {
    const fastCorrector = { inpaint: { steps: 2, why: '40 tuning images: 18.0 dB, 17.3 with 1' } };
    expect(parseManifest({ ...valid(), fastCorrector }).fastCorrector).toEqual(fastCorrector);
    expect(() => parseManifest({ ...valid(), fastCorrector: { inpaint: { steps: 0 } } })).toThrow(
      /fastCorrector\.inpaint\.steps: expected an integer from 1 to 10/,
    );
    const posterior = { colorize: { steps: 1, posteriorSteps: 1, why: '20 tuning images' } };
    expect(parseManifest({ ...valid(), fastCorrector: posterior }).fastCorrector).toEqual(
      posterior,
    );
    expect(() =>
      parseManifest({ ...valid(), fastCorrector: { inpaint: { steps: 1, posteriorSteps: 1.5 } } }),
    ).toThrow(/fastCorrector\.inpaint\.posteriorSteps: expected an integer from 0 to 10/);
    expect(() => parseManifest({ ...valid(), fastCorrector: { generate: { steps: 2 } } })).toThrow(
      /fastCorrector/,
    );
  });

  it('fills SDE defaults and allows no classifier', () => {
    const m: Record<string, unknown> = {
      ...valid(),
      sde: { type: 've', sigma_min: 0.01, sigma_max: 50 },
    };
    delete m['classifier'];
    const parsed = parseManifest(m);
    expect(parsed.sde).toMatchObject({ N: 1000, eps: 1e-5 });
    expect(parsed.classifier).toBeUndefined();
  });

  it('names every wrong or missing field in one message', () => {
    const m = valid();
    m['image'] = { channels: 0, height: 28, range: [1, -1] };
    m['score'] = { file: '../x.onnx', predicts: 'eps' };
    delete m['license'];
    expect(() => parseManifest(m, 'dir/model.json')).toThrow(
      new Error(
        'dir/model.json: image.channels: expected a positive integer; image.width: missing; ' +
          'image.range: expected [low, high] with low < high; ' +
          'score.file: expected a file name inside the model folder; ' +
          'score.predicts: expected "score" or "noise"; license: missing',
      ),
    );
  });

  it('explains a wrong SDE type and format', () => {
    const m = { ...valid(), format: 2, sde: { type: 'cld' } };
    expect(() => parseManifest(m)).toThrow(
      "model.json: format: expected 1; sde.type: expected 've' | 'vp' | 'subvp'",
    );
  });

  it('rejects something that is no object', () => {
    expect(() => parseManifest([])).toThrow(/^model.json: expected object, received array$/);
  });
});

describe('readManifest', () => {
  it('tells a missing folder, a folder without model.json and broken JSON apart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'manifest-'));
    await expect(readManifest(join(dir, 'nope'))).rejects.toThrow(/^no such model folder: /);
    await mkdir(join(dir, 'empty'));
    await expect(readManifest(join(dir, 'empty'))).rejects.toThrow(
      /not a model folder: .* no model.json/,
    );
    await mkdir(join(dir, 'broken'));
    await writeFile(join(dir, 'broken', 'model.json'), '{"format": 1,');
    await expect(readManifest(join(dir, 'broken'))).rejects.toThrow(/model.json: not valid JSON/);
    await writeFile(join(dir, 'broken', 'model.json'), JSON.stringify(valid()));
    await expect(readManifest(join(dir, 'broken'))).resolves.toMatchObject({ id: 'fashion28-vp' });
  });
});
