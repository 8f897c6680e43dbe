import { runSampler } from '../samplers/index.ts';
import type { ScoreFn } from '../samplers/types.ts';
import type { ScoreModel } from '../score/score-model.ts';
import { runOptions, type TaskModel, type TaskOptions, type TaskResult } from './types.ts';

/** A model that may carry a time-dependent classifier (its manifest names the labels). */
export type ClassModel = TaskModel &
  Partial<Pick<ScoreModel, 'classifierGrad'>> & {
    manifest: { id: string; classifier?: { labels: readonly string[] } | undefined };
  };

/** Generation needs the manifest and classifier only for class-conditional runs. */
export type GenerateModel = TaskModel & Partial<Pick<ClassModel, 'classifierGrad' | 'manifest'>>;

export interface GenerateOptions extends TaskOptions {
  /** Class to sample; unconditional when absent. */
  classIndex?: number;
  /** Weight of grad_x log p_t(y|x); 1 is the paper's Eq. 14, larger trades diversity for class. */
  guidance?: number;
}

/**
 * Samples n images from the prior through the chosen sampler. With a class, the score becomes
 * score + guidance * grad_x log p_t(y|x) (Eq. 14); the wrapped score serves predictor and corrector
 * alike, so every sampler becomes class-conditional without knowing it.
 */
export async function generate(model: GenerateModel, o: GenerateOptions): Promise<TaskResult> {
  const opts = runOptions(o);
  let score: ScoreFn = model.score;
  if (o.classIndex !== undefined) {
    score = guidedScore(model, o.classIndex, o.guidance ?? recommendedGuidance(model));
  }
  const x = model.sde.priorSample([o.n, ...model.shape], opts.rng);
  return runSampler(o.spec, score, model.sde, x, opts);
}

function guidedScore(model: GenerateModel, classIndex: number, guidance: number): ScoreFn {
  const { classifierGrad, manifest } = model;
  if (!classifierGrad || !manifest) throw noClassifier(manifest?.id);
  classIndexOf({ classifierGrad, manifest }, classIndex);
  if (!Number.isFinite(guidance) || guidance < 0) {
    throw new Error(`guidance must be a non-negative number, got ${guidance}`);
  }
  return async (x, t) => {
    const s = await model.score(x, t);
    const g = await classifierGrad(x, t, new Array<number>(x.shape[0]).fill(classIndex));
    return s.map((v, i) => v + guidance * g[i]!);
  };
}

/**
 * The class index of a label given by name (exact match first) or by index, as users type either
 * on the command line.
 */
export function classIndexOf(
  model: Pick<ClassModel, 'manifest' | 'classifierGrad'>,
  label: string | number,
): number {
  const labels = model.manifest.classifier?.labels;
  if (!labels || !model.classifierGrad) throw noClassifier(model.manifest.id);
  if (typeof label === 'string') {
    const named = labels.indexOf(label);
    if (named >= 0) return named;
  }
  const index =
    typeof label === 'number' ? label : /^\d+$/.test(label.trim()) ? Number(label) : NaN;
  if (Number.isInteger(index) && index >= 0 && index < labels.length) return index;
  const valid = labels.map((l, i) => `${i} "${l}"`).join(', ');
  throw new Error(
    `model ${model.manifest.id} has no class ${JSON.stringify(label)}; valid: ${valid}`,
  );
}

function noClassifier(id: string | undefined): Error {
  return new Error(
    `model ${id ?? '(unnamed)'} has no classifier: class-conditional sampling needs one`,
  );
}

/**
 * The guidance a class-conditional run uses when none is asked for: the model's own
 * recommendation (its manifest, set from measured class accuracy), else 1, the paper's Eq. 14.
 */
export function recommendedGuidance(model: Pick<GenerateModel, 'manifest'>): number {
  const classifier = model.manifest?.classifier as { guidance?: number } | undefined;
  return classifier?.guidance ?? 1;
}
