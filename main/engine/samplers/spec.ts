import { z } from 'zod';

export const PREDICTORS = ['reverse_diffusion', 'euler_maruyama', 'ancestral', 'none'] as const;
export const CORRECTORS = ['langevin', 'annealed_langevin', 'none'] as const;
/**
 * pc: predictor-corrector on the reverse SDE; ode: adaptive RK45 on the probability-flow ODE;
 * euler / heun: fixed-step probability-flow ODE; dpm++2m, dpm++3m and heun-karras: fast high-order ODE solvers
 * for interactive use (10-30 network evaluations).
 */
export const SAMPLERS = [
  'pc',
  'ode',
  'euler',
  'heun',
  'dpm++2m',
  'dpm++3m',
  'heun-karras',
] as const;
export type SamplerName = (typeof SAMPLERS)[number];
/**
 * Where the fast solvers place their steps; each solver has its own default (log-SNR for
 * DPM-Solver++, Karras for heun-karras). Measured on the analytic mixtures by `npm run bench -- engine`.
 */
export const SCHEDULES = ['logsnr', 'time-quadratic', 'karras'] as const;
export type ScheduleName = (typeof SCHEDULES)[number];

/**
 * The tasks that sample under a constraint (the known pixels, or the gray image): a model's
 * manifest recommends and tunes its sampling for each of them separately.
 */
export const CONSTRAINED_TASKS = ['inpaint', 'colorize'] as const;
export type ConstrainedTask = (typeof CONSTRAINED_TASKS)[number];

export function isConstrainedTask(task: string): task is ConstrainedTask {
  return (CONSTRAINED_TASKS as readonly string[]).includes(task);
}

/**
 * The posterior correction's CG steps a conditional task runs with: the spec's, else none for pc
 * (the paper's method, whose Langevin corrector repairs most of the replacement's bias) and one
 * for the ODE solvers, which the replacement alone leaves far off. On cifar10-vp's 20 tuning images
 * per mask kind, mean of 8, per-image PSNR of the posterior mean: dpm++3m at 20 steps fills boxes
 * at 16.8 dB and strokes at 18.5 without it, 18.8 and 22.2 with one step (42 evaluations), where
 * pc at 100 steps gives 18.6 and 23.5 (200) (`npm run bench -- conditional-mean`).
 */
export function posteriorStepsOf(spec: Pick<SamplerSpec, 'sampler' | 'posteriorSteps'>): number {
  return spec.posteriorSteps ?? (spec.sampler === 'pc' ? 0 : 1);
}

/** The paper's Langevin corrector snr (Song et al. 2021); inpainting defaults to its own. */
export const PAPER_SNR = 0.16;

export const samplerSpecSchema = z.object({
  sampler: z.enum(SAMPLERS).default('dpm++3m'),
  predictor: z.enum(PREDICTORS).default('reverse_diffusion'),
  corrector: z.enum(CORRECTORS).default('langevin'),
  /**
   * Signal-to-noise ratio of the Langevin corrector. Absent: the task's default, PAPER_SNR but for
   * inpainting (tasks/inpaint.ts inpaintSnr).
   */
  snr: z.number().positive().max(10).optional(),
  correctorSteps: z.number().int().min(1).max(100).default(1),
  /**
   * Conditional tasks only: conjugate-gradient steps of the posterior correction of the score
   * (observed-score.ts), each one more network evaluation per score; 0 is the paper's replacement
   * constraint alone. Absent: posteriorStepsOf's default.
   */
  posteriorSteps: z.number().int().min(0).max(10).optional(),
  /** Discretization steps; defaults to the SDE's N for pc and to a sampler-specific count otherwise. */
  steps: z.number().int().min(1).max(100_000).optional(),
  schedule: z.enum(SCHEDULES).optional(),
  rtol: z.number().positive().max(1).default(1e-5),
  atol: z.number().positive().max(1).default(1e-5),
  /** End noise-free: PC returns its last step's mean; ODE solvers add one reverse-diffusion step at eps. */
  denoise: z.boolean().default(true),
});

export type SamplerSpecInput = z.input<typeof samplerSpecSchema>;
export type SamplerSpec = z.output<typeof samplerSpecSchema>;
