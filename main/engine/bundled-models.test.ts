import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ROOT, listModels } from './models-dir.ts';
import { loadModel, type ScoreModel } from './score/score-model.ts';
import { tensor } from './tensor.ts';
import { createRng } from './rng.ts';

/**
 * Every model folder shipped in models/ loads through the engine and carries what its card promises:
 * its figures, and metrics (measured by models/evaluate-model.sh) that beat the baselines they are
 * compared with for every task the editor offers it for (`notRecommendedFor` lists the others). A
 * re-export that loses a figure or a measurement, or a model offered for a task where it no longer
 * beats harmonic fill or the gray image, fails here.
 */
const bundled = await listModels([join(APP_ROOT, 'models')]);

/** Share of class-conditional samples the clean classifier labels as asked, by training config. */
const CLASS_ACCURACY_TARGET: Record<string, number> = { fashion: 0.8, cifar10: 0.5 };

/** A per-image gain is clear of the images' noise from this paired t on (training.evaluate). */
const CLEAR_PAIRED_T = 2;

interface TaskFigures {
  model_sampler: string;
  model_nfe_per_image: number;
}
/** The per-image comparison with the baseline; JSON files an infinite t as null. */
interface PairedGain {
  mean_gain_db: number;
  paired_t: number | null;
}
/** The posterior mean's figures, estimated from the mean of samples and its variance. */
interface PosteriorMean<Baseline extends string> {
  posterior_mean: { psnr: number } & Record<`vs_${Baseline}`, PairedGain>;
}
interface Metrics {
  fd: { fd_test: number; fd_train_vs_test: number };
  inpaint: Record<
    'box' | 'stroke',
    TaskFigures & { harmonic_psnr_same_images: number } & PosteriorMean<'harmonic'>
  >;
  colorize?: TaskFigures & { gray_psnr_same_images: number } & PosteriorMean<'gray'>;
  tuning?: Record<'inpaint' | 'colorize', { chosen: string }>;
  class_conditional?: Record<string, { accuracy: number; guidance: number }>;
  bits_per_dim: { bpd: number };
  encode_decode: { mean_abs_error: number };
  samplers?: Record<string, { nfe: number; fd_test: number }>;
}

it('ships at least one model', () => {
  expect(bundled.filter((e) => !e.error).length).toBeGreaterThan(0);
});

describe.each(bundled.map((e) => [e.id, e] as const))('bundled model %s', (_id, entry) => {
  let model: ScoreModel;
  beforeAll(async () => {
    model = await loadModel(entry.dir, { providers: ['cpu'], threads: 1 });
  });
  afterAll(() => model?.dispose());

  it('has a valid manifest and gives a finite score', async () => {
    expect(entry.error).toBeUndefined();
    const [c, h, w] = model.shape;
    const x = tensor(createRng(0).normal(2 * c * h * w), [2, c, h, w]);
    const score = await model.score(x, 0.5);
    expect(score.every(Number.isFinite)).toBe(true);
  });

  it('has its sample grid, interpolation strip and, with a classifier, a row per class', () => {
    const figures = ['samples.png', 'interpolation.png', 'MODEL_CARD.md'];
    if (model.manifest.classifier) figures.push('classes.png');
    for (const f of figures) expect(existsSync(join(entry.dir, f)), f).toBe(true);
  });

  it('is measured, and beats the baselines', () => {
    const m = model.manifest.metrics as unknown as Metrics;
    expect(m.fd.fd_test).toBeGreaterThan(0);
    expect(m.fd.fd_train_vs_test).toBeGreaterThan(0);
    // Offered for a task, a model's posterior mean beats the baseline there, over the images and
    // clearly image by image; not offered, it was measured not to.
    const weak = model.manifest.notRecommendedFor ?? {};
    const beats = (score: number, baseline: number, paired: PairedGain) =>
      score > baseline &&
      paired.mean_gain_db > 0 &&
      (paired.paired_t === null || paired.paired_t >= CLEAR_PAIRED_T);
    const fills = (['box', 'stroke'] as const).every((kind) => {
      const f = m.inpaint[kind];
      const p = f.posterior_mean;
      return beats(p.psnr, f.harmonic_psnr_same_images, p.vs_harmonic);
    });
    expect(fills).toBe(weak.inpaint === undefined);
    if (model.shape[0] === 3) {
      const c = m.colorize!;
      const p = c.posterior_mean;
      expect(beats(p.psnr, c.gray_psnr_same_images, p.vs_gray)).toBe(weak.colorize === undefined);
    }
    expect(m.bits_per_dim.bpd).toBeGreaterThan(0);
    // Decoding the encoded test images lands within ~2.5 levels of 255 on average.
    expect(m.encode_decode.mean_abs_error).toBeLessThan(0.02);
    const samplers = Object.values(m.samplers ?? {});
    expect(samplers.length).toBeGreaterThan(0);
    for (const s of samplers) expect(s.nfe).toBeGreaterThan(0);
  });

  it("reports its task figures at the Fast preset's corrections, chosen on tuning images", () => {
    const m = model.manifest.metrics as unknown as Metrics;
    const tasks =
      model.shape[0] === 3 ? (['inpaint', 'colorize'] as const) : (['inpaint'] as const);
    for (const task of tasks) {
      const steps = model.manifest.fastCorrector?.[task]?.steps ?? 1;
      const posterior = model.manifest.fastCorrector?.[task]?.posteriorSteps ?? 0;
      const setting = `k${steps}${posterior ? `-p${posterior}` : ''}`;
      expect(m.tuning?.[task]?.chosen, `metrics.tuning.${task}`).toBe(setting);
      const figures = task === 'inpaint' ? Object.values(m.inpaint) : [m.colorize!];
      for (const f of figures) {
        // PC at 100 steps: each step takes the predictor's and `steps` corrector scores, each
        // score 1 + `posterior` evaluations.
        expect(f.model_nfe_per_image).toBe(100 * (1 + steps) * (1 + posterior));
        expect(f.model_sampler.includes(`${steps} corrector steps`)).toBe(steps > 1);
        expect(f.model_sampler.includes('posterior CG step')).toBe(posterior > 0);
      }
    }
  });

  it('samples the asked class as often as its target', () => {
    const labels = model.manifest.classifier?.labels;
    if (!labels) return;
    const config = String((model.manifest as { training?: { config?: string } }).training?.config);
    const target = Object.entries(CLASS_ACCURACY_TARGET).find(([d]) => config.startsWith(d));
    const runs = Object.values(
      (model.manifest.metrics as unknown as Metrics).class_conditional ?? {},
    );
    const recommended = model.manifest.classifier!.guidance ?? 1;
    const atRecommended = runs.find((r) => r.guidance === recommended);
    expect(
      atRecommended,
      `a class-accuracy run at the recommended guidance ${recommended}`,
    ).toBeDefined();
    expect(atRecommended!.accuracy).toBeGreaterThanOrEqual(target?.[1] ?? 0.5);
  });
});
