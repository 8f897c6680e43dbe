import {
  isConstrainedTask,
  posteriorStepsOf,
  SAMPLERS,
  type ModelInfo,
  type SamplerSpecInput,
} from '../../../preload/api';

/**
 * Sampling presets the panels offer, by how the task samples (`SamplingMode`):
 * - free (generate): Fast is DPM-Solver++ (3M) on the probability-flow ODE, 20 evaluations, or
 *   the sampler the model's measurements chose (`ModelInfo.fastSampler`).
 * - constrained (inpaint, colorize): Fast is the predictor-corrector sampler at 100 steps (200
 *   evaluations), with the corrector steps per step and the posterior correction's CG steps that
 *   the model's measurements chose for the task (`ModelInfo.fastCorrection`; by default the
 *   paper's one corrector step and no posterior correction). The replacement constraint
 *   leaves ODE solvers biased (engine tasks/inpaint.ts), and measurably so on a real model: on a
 *   VP faces model (celeba32 at step 3,000), 20 box-masked test faces, PSNR of the mean of 4
 *   fills, dpm++3m at 20 steps gave 15.3 dB, below harmonic fill's 15.6; pc gave 16.5 at 50
 *   steps, 17.5 at 100 and 17.4 at 200 (`npm run bench -- conditional-mean`). The engine sets
 *   inpainting's corrector strength for the steps (tasks/inpaint.ts inpaintSnr), so presets name
 *   no snr.
 * - ode (interpolate, which decodes latent codes): Fast is DPM-Solver++ (3M) whatever the model
 *   prefers, as the walk needs a deterministic map; Quality is adaptive RK45.
 * Quality is otherwise the paper's PC sampler (reverse diffusion + Langevin, at the engine's snr:
 * the paper's 0.16 at these steps) at the SDE's full 1000 steps; Custom is the sampler chosen in
 * Settings with the steps typed in the panel (under a constraint with the engine's default
 * posterior correction for it: none for pc, one CG step for the ODE solvers).
 */
export type Preset = 'fast' | 'quality' | 'custom';
export type SamplerName = NonNullable<SamplerSpecInput['sampler']>;
export type SamplingMode = 'free' | 'constrained' | 'ode';
export type FastSampler = ModelInfo['fastSampler'];

/** What a model's measurements chose for one task's Fast preset (see `fastChoice`). */
export interface FastChoice {
  /** Free generation's sampler. */
  sampler?: FastSampler;
  /** A constrained task's corrector steps per predictor step. */
  correctorSteps?: number;
  /** A constrained task's CG steps of the posterior correction. */
  posteriorSteps?: number;
}

/** The Fast-preset choices of `model` that concern `task`. */
export function fastChoice(model: ModelInfo | null | undefined, task: string): FastChoice {
  if (!model) return {};
  const own = isConstrainedTask(task) ? model.fastCorrection[task] : undefined;
  return {
    sampler: model.fastSampler,
    ...(own && own.correctorSteps !== 1 ? { correctorSteps: own.correctorSteps } : {}),
    ...(own?.posteriorSteps ? { posteriorSteps: own.posteriorSteps } : {}),
  };
}

export const PRESET_LABELS: Record<Preset, string> = {
  fast: 'Fast',
  quality: 'Quality',
  custom: 'Custom',
};

/** The steps a preset starts with (Custom keeps what the panel holds). */
export function presetSteps(
  preset: Exclude<Preset, 'custom'>,
  mode: SamplingMode,
  fast: FastChoice = {},
): number {
  if (preset === 'quality') return 1000;
  if (mode === 'constrained') return 100;
  return (mode === 'free' && fast.sampler?.steps) || 20;
}

/**
 * Samplers that integrate the probability-flow ODE (interpolation decodes latent codes with one):
 * every sampler of the engine but the stochastic predictor-corrector.
 */
export const ODE_SAMPLERS: SamplerName[] = SAMPLERS.filter((s) => s !== 'pc');

const PAPER_PC = {
  sampler: 'pc',
  predictor: 'reverse_diffusion',
  corrector: 'langevin',
} as const;

export function specFor(
  preset: Preset,
  steps: number,
  defaultSampler: SamplerName,
  mode: SamplingMode = 'free',
  fast: FastChoice = {},
): SamplerSpecInput {
  if (preset === 'fast') {
    if (mode === 'constrained') {
      const { correctorSteps, posteriorSteps } = fast;
      return {
        ...PAPER_PC,
        steps,
        ...(correctorSteps ? { correctorSteps } : {}),
        ...(posteriorSteps ? { posteriorSteps } : {}),
      };
    }
    // A model's own Fast sampler comes with the steps it was measured at.
    const own = fast.sampler;
    if (mode === 'free' && own) {
      if (own.sampler === 'pc') return { ...PAPER_PC, steps: own.steps };
      return own.sampler === 'ode' ? { sampler: 'ode' } : { ...own };
    }
    return { sampler: 'dpm++3m', steps };
  }
  if (preset === 'quality') {
    // The adaptive RK45 solver is the ODE's "quality" setting; it picks its own step count.
    if (mode === 'ode') return { sampler: 'ode', rtol: 1e-5, atol: 1e-5 };
    return { ...PAPER_PC, steps };
  }
  const sampler =
    mode === 'ode' && !ODE_SAMPLERS.includes(defaultSampler) ? 'dpm++3m' : defaultSampler;
  // Spelled out under a constraint, so that the cost hint counts the engine's default correction.
  const posteriorSteps = mode === 'constrained' ? posteriorStepsOf({ sampler }) : 0;
  return {
    sampler,
    ...(sampler === 'ode' ? {} : { steps }),
    ...(posteriorSteps ? { posteriorSteps } : {}),
  };
}

/**
 * Network evaluations a spec costs (for the panel's cost hint; the posterior correction's CG may
 * stop early, so at most this); null when adaptive.
 */
export function evaluationsOf(spec: SamplerSpecInput): number | null {
  const steps = spec.steps ?? 20;
  const perScore = 1 + (spec.posteriorSteps ?? 0);
  switch (spec.sampler) {
    case 'ode':
      return null;
    case 'pc':
      return (
        perScore * (spec.corrector === 'none' ? steps : steps * (1 + (spec.correctorSteps ?? 1)))
      );
    case 'heun':
    case 'heun-karras':
      return perScore * 2 * steps;
    default:
      return perScore * steps;
  }
}

export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
