import { SAMPLERS, type SamplerSpecInput } from '../../../preload/api';

/**
 * Sampling presets the panels offer. Fast: DPM-Solver++ (3M) on the probability-flow ODE, 20
 * evaluations, seconds on a CPU. Quality: the paper's predictor-corrector sampler (reverse
 * diffusion + Langevin, snr 0.16) at the SDE's full 1000 steps. Custom: the sampler chosen in
 * Settings with the steps typed in the panel.
 */
export type Preset = 'fast' | 'quality' | 'custom';
export type SamplerName = NonNullable<SamplerSpecInput['sampler']>;

export const PRESET_STEPS: Record<Exclude<Preset, 'custom'>, number> = { fast: 20, quality: 1000 };

export const PRESET_LABELS: Record<Preset, string> = {
  fast: 'Fast',
  quality: 'Quality',
  custom: 'Custom',
};

/**
 * Samplers that integrate the probability-flow ODE (interpolation decodes latent codes with one):
 * every sampler of the engine but the stochastic predictor-corrector.
 */
export const ODE_SAMPLERS: SamplerName[] = SAMPLERS.filter((s) => s !== 'pc');

export function specFor(
  preset: Preset,
  steps: number,
  defaultSampler: SamplerName,
  needsOde = false,
): SamplerSpecInput {
  if (preset === 'fast') return { sampler: 'dpm++3m', steps };
  if (preset === 'quality') {
    // The adaptive RK45 solver is the ODE's "quality" setting; it picks its own step count.
    if (needsOde) return { sampler: 'ode', rtol: 1e-5, atol: 1e-5 };
    return {
      sampler: 'pc',
      predictor: 'reverse_diffusion',
      corrector: 'langevin',
      snr: 0.16,
      steps,
    };
  }
  const sampler = needsOde && !ODE_SAMPLERS.includes(defaultSampler) ? 'dpm++3m' : defaultSampler;
  return sampler === 'ode' ? { sampler } : { sampler, steps };
}

/** Network evaluations a spec costs (for the panel's cost hint); null when adaptive. */
export function evaluationsOf(spec: SamplerSpecInput): number | null {
  const steps = spec.steps ?? 20;
  switch (spec.sampler) {
    case 'ode':
      return null;
    case 'pc':
      return spec.corrector === 'none' ? steps : steps * (1 + (spec.correctorSteps ?? 1));
    case 'heun':
    case 'heun-karras':
      return 2 * steps;
    default:
      return steps;
  }
}

export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
