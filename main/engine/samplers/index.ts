import type { Tensor } from '../tensor.ts';
import type { Sde } from '../sde/sde.ts';
import { CORRECTOR_STEPS } from './correctors.ts';
import { sampleDpmSolverMultistep, sampleHeunKarras } from './fast.ts';
import { instrument } from './instrument.ts';
import { sampleEuler, sampleHeun, sampleOde } from './ode.ts';
import { samplePc } from './pc.ts';
import { PREDICTOR_STEPS } from './predictors.ts';
import { PAPER_SNR, type SamplerName, type SamplerSpec } from './spec.ts';
import type { SamplerOptions, SamplerResult, ScoreFn } from './types.ts';

/** Steps used when the spec names none; pc uses the SDE's own N. */
const DEFAULT_STEPS: Record<Exclude<SamplerName, 'pc' | 'ode'>, number> = {
  euler: 200,
  heun: 50,
  'dpm++2m': 20,
  'dpm++3m': 20,
  'heun-karras': 12,
};

/**
 * The discretization a spec runs with on this SDE, its defaults resolved: steps for every sampler
 * but the adaptive ODE solver, which has tolerances instead. Reports record it, so a figure says
 * what made it even when the user left the settings to the engine.
 */
export function resolvedSettings(
  spec: SamplerSpec,
  sde: Sde,
): { steps: number } | { rtol: number; atol: number } {
  switch (spec.sampler) {
    case 'ode':
      return { rtol: spec.rtol, atol: spec.atol };
    case 'pc':
      return { steps: spec.steps ?? sde.N };
    default:
      return { steps: spec.steps ?? DEFAULT_STEPS[spec.sampler] };
  }
}

/** Steps of a fixed-step sampler (every one but 'ode'). */
function stepsOf(spec: SamplerSpec, sde: Sde): number {
  const settings = resolvedSettings(spec, sde);
  if (!('steps' in settings)) throw new Error(`${spec.sampler} has no fixed steps`);
  return settings.steps;
}

/**
 * Runs the named sampler from the prior sample x (T) down to eps. The score function is wrapped once
 * here, so every sampler counts evaluations, honours cancellation and reports progress the same way.
 */
export async function runSampler(
  spec: SamplerSpec,
  score: ScoreFn,
  sde: Sde,
  x: Tensor,
  opts: SamplerOptions,
): Promise<SamplerResult> {
  const counted = instrument(score, sde, opts);
  const s = opts.guide ? opts.guide(counted.score) : counted.score;
  const base = { ...opts, denoise: spec.denoise };
  let out: Tensor;
  switch (spec.sampler) {
    case 'pc':
      out = await samplePc(s, spec.steps ? sde.withSteps(spec.steps) : sde, x, {
        ...base,
        predictor: PREDICTOR_STEPS[spec.predictor],
        corrector: CORRECTOR_STEPS[spec.corrector],
        snr: spec.snr ?? PAPER_SNR,
        correctorSteps: spec.correctorSteps,
      });
      break;
    case 'ode':
      out = await sampleOde(s, sde, x, { ...base, rtol: spec.rtol, atol: spec.atol });
      break;
    case 'euler':
      out = await sampleEuler(s, sde, x, { ...base, steps: stepsOf(spec, sde) });
      break;
    case 'heun':
      out = await sampleHeun(s, sde, x, { ...base, steps: stepsOf(spec, sde) });
      break;
    case 'dpm++2m':
    case 'dpm++3m':
      out = await sampleDpmSolverMultistep(s, sde, x, {
        ...base,
        steps: stepsOf(spec, sde),
        schedule: spec.schedule,
        order: spec.sampler === 'dpm++2m' ? 2 : 3,
      });
      break;
    case 'heun-karras':
      out = await sampleHeunKarras(s, sde, x, {
        ...base,
        steps: stepsOf(spec, sde),
        schedule: spec.schedule,
      });
      break;
  }
  return { x: out, nfe: counted.nfe() };
}
