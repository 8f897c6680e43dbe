import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError } from '../samplers/instrument.ts';
import { samplerSpecSchema, SAMPLERS, type SamplerSpecInput } from '../samplers/spec.ts';
import { loadModel, type ScoreModel } from '../score/score-model.ts';
import { classIndexOf, generate, recommendedGuidance } from './generate.ts';
import { mixtureDir, nearestComponent, readMixture } from './mixture-fixture.ts';

const spec = (s: SamplerSpecInput) => samplerSpecSchema.parse(s);

describe('generate on the exact vp mixture and its exact classifier', () => {
  let model: ScoreModel;
  const mix = readMixture('vp');
  beforeAll(async () => {
    model = await loadModel(mixtureDir('vp'), { maxBatch: 1000 });
  });
  afterAll(async () => model.dispose());

  it.each([
    ['pc', { sampler: 'pc', steps: 300 }],
    ['dpm++3m', { sampler: 'dpm++3m', steps: 20 }],
  ] as const)(
    '%s: >= 95%% of class-conditional samples come from the asked component',
    async (_n, s) => {
      for (const classIndex of [0, 1, 2]) {
        const out = await generate(model, {
          spec: spec(s),
          n: 500,
          seed: 11 + classIndex,
          classIndex,
        });
        const hits = nearestComponent(mix, out.x.data).filter((k) => k === classIndex).length;
        expect(hits / 500).toBeGreaterThanOrEqual(0.95);
      }
    },
  );

  it('without a class follows the mixture weights (so the test above can fail)', async () => {
    const out = await generate(model, { spec: spec({ sampler: 'dpm++3m' }), n: 500, seed: 4 });
    const counts = [0, 0, 0];
    for (const k of nearestComponent(mix, out.x.data)) counts[k]!++;
    counts.forEach((c, k) => expect(Math.abs(c / 500 - mix.weights[k]!)).toBeLessThan(0.06));
  });

  it.each(SAMPLERS.map((s) => [s]))('%s: the same seed gives the same bytes', async (sampler) => {
    const o = { spec: spec({ sampler, steps: 30 }), n: 3, seed: 9, classIndex: 1 };
    const a = await generate(model, o);
    const b = await generate(model, o);
    expect(a.x.shape).toEqual([3, 1, 1, 2]);
    expect(Buffer.from(b.x.data.buffer)).toEqual(Buffer.from(a.x.data.buffer));
    const c = await generate(model, { ...o, seed: 10 });
    expect(c.x.data).not.toEqual(a.x.data);
  });

  it('reports progress and stops on abort', async () => {
    const ctrl = new AbortController();
    const seen: number[] = [];
    const run = generate(model, {
      spec: spec({ sampler: 'euler', steps: 50 }),
      n: 2,
      seed: 1,
      signal: ctrl.signal,
      onStep: (info) => {
        seen.push(info.progress);
        if (seen.length === 5) ctrl.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(seen).toHaveLength(5);
    expect(seen[4]).toBeGreaterThan(seen[0]!);
  });

  it('names classes by label or index, and lists the valid ones otherwise', () => {
    expect(classIndexOf(model, 'b')).toBe(1);
    expect(classIndexOf(model, 2)).toBe(2);
    expect(classIndexOf(model, '0')).toBe(0);
    expect(() => classIndexOf(model, 'zebra')).toThrow(
      /no class "zebra"; valid: 0 "a", 1 "b", 2 "c"/,
    );
    expect(() => classIndexOf(model, 3)).toThrow(/valid: 0 "a"/);
  });

  it("uses the model's recommended guidance unless one is asked for", async () => {
    const recommending = {
      ...model,
      manifest: { ...model.manifest, classifier: { labels: ['a', 'b', 'c'], guidance: 0 } },
    };
    expect(recommendedGuidance(recommending)).toBe(0);
    expect(recommendedGuidance({ manifest: { id: 'x' } })).toBe(1);
    // Guidance 0 ignores the classifier: the samples equal the unconditional ones.
    const o = { spec: spec({ sampler: 'dpm++3m', steps: 10 }), n: 8, seed: 4 };
    const zero = await generate(recommending, { ...o, classIndex: 2 });
    const free = await generate(model, o);
    expect(zero.x.data).toEqual(free.x.data);
  });

  it('refuses class-conditional sampling without a classifier', async () => {
    const bare = {
      sde: model.sde,
      shape: model.shape,
      score: model.score,
      manifest: { id: 'bare' },
    };
    await expect(
      generate(bare, { spec: spec({ sampler: 'euler' }), n: 1, seed: 0, classIndex: 0 }),
    ).rejects.toThrow('model bare has no classifier: class-conditional sampling needs one');
  });
});
