// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import type { ModelInfo } from '../../../preload/api';
import { evaluationsOf, fastChoice, presetSteps, randomSeed, specFor } from './presets';

describe('presets', () => {
  it('maps Fast to DPM-Solver++ 3M and Quality to the paper PC sampler', () => {
    expect(specFor('fast', 20, 'pc')).toEqual({ sampler: 'dpm++3m', steps: 20 });
    expect(specFor('quality', 1000, 'dpm++3m')).toMatchObject({
      sampler: 'pc',
      predictor: 'reverse_diffusion',
      corrector: 'langevin',
      steps: 1000,
    });
    expect(specFor('custom', 12, 'heun-karras')).toEqual({ sampler: 'heun-karras', steps: 12 });
  });

  it('keeps to ODE samplers where the task decodes latent codes', () => {
    expect(specFor('quality', 1000, 'pc', 'ode').sampler).toBe('ode');
    expect(specFor('custom', 30, 'pc', 'ode')).toEqual({ sampler: 'dpm++3m', steps: 30 });
    expect(specFor('custom', 30, 'ode', 'ode')).toEqual({ sampler: 'ode' });
    expect(specFor('fast', 20, 'pc', 'ode')).toEqual({ sampler: 'dpm++3m', steps: 20 });
  });

  it('samples constrained tasks with the corrector even when Fast', () => {
    expect(presetSteps('fast', 'constrained')).toBe(100);
    expect(presetSteps('fast', 'free')).toBe(20);
    expect(presetSteps('quality', 'constrained')).toBe(1000);
    const fast = specFor('fast', presetSteps('fast', 'constrained'), 'dpm++3m', 'constrained');
    expect(fast).toMatchObject({ sampler: 'pc', corrector: 'langevin', steps: 100 });
    // No snr: the engine's inpainting scales it for the steps (a fixed 0.16 would leave its bias).
    expect(fast).not.toHaveProperty('snr');
    expect(evaluationsOf(fast)).toBe(200);
    // Custom under a constraint: an ODE solver with the engine's default posterior correction,
    // which the cost hint counts (2 x 30 Heun evaluations, each score twice); pc without it.
    const heun = specFor('custom', 30, 'heun', 'constrained');
    expect(heun).toEqual({ sampler: 'heun', steps: 30, posteriorSteps: 1 });
    expect(evaluationsOf(heun)).toBe(120);
    expect(specFor('custom', 30, 'pc', 'constrained')).toEqual({ sampler: 'pc', steps: 30 });
    expect(specFor('custom', 30, 'heun', 'free')).toEqual({ sampler: 'heun', steps: 30 });
  });

  it("takes a model's own Fast sampler for free generation only", () => {
    const pc100 = { sampler: { sampler: 'pc', steps: 100 } } as const;
    expect(presetSteps('fast', 'free', pc100)).toBe(100);
    // The model's measured step count, whatever the field holds (a PC run needs more than 20).
    expect(specFor('fast', 20, 'dpm++3m', 'free', pc100)).toMatchObject({
      sampler: 'pc',
      corrector: 'langevin',
      steps: 100,
    });
    const heun = { sampler: { sampler: 'heun-karras', steps: 12 } } as const;
    expect(specFor('fast', 12, 'dpm++3m', 'free', heun)).toEqual({
      sampler: 'heun-karras',
      steps: 12,
    });
    // Interpolation keeps to the ODE whatever the model prefers; Quality is the model's too.
    expect(presetSteps('fast', 'ode', pc100)).toBe(20);
    expect(specFor('fast', 20, 'dpm++3m', 'ode', pc100)).toEqual({ sampler: 'dpm++3m', steps: 20 });
    expect(specFor('quality', 1000, 'dpm++3m', 'free', pc100)).toMatchObject({ steps: 1000 });
  });

  it("runs a constrained task's Fast preset with the corrections the model chose for it", () => {
    const model: ModelInfo = {
      id: 'm',
      name: 'm',
      image: { channels: 3, height: 32, width: 32 },
      sde: 'vp',
      labels: [],
      guidance: 1,
      fastSampler: null,
      fastCorrection: {
        inpaint: { correctorSteps: 2, posteriorSteps: 0 },
        colorize: { correctorSteps: 1, posteriorSteps: 1 },
      },
      notRecommendedFor: {},
      license: '',
      error: null,
    };
    const inpaint = fastChoice(model, 'inpaint');
    expect(inpaint).toEqual({ sampler: null, correctorSteps: 2 });
    const spec = specFor('fast', 100, 'dpm++3m', 'constrained', inpaint);
    expect(spec).toMatchObject({ sampler: 'pc', steps: 100, correctorSteps: 2 });
    // The panel's cost hint follows: 100 predictor + 200 corrector evaluations.
    expect(evaluationsOf(spec)).toBe(300);
    expect(spec).not.toHaveProperty('posteriorSteps');
    // Colorization's own choice: the paper's one corrector step, with one CG step of the posterior
    // correction, which doubles the evaluations of each score.
    const colorize = specFor('fast', 100, 'dpm++3m', 'constrained', fastChoice(model, 'colorize'));
    expect(colorize).not.toHaveProperty('correctorSteps');
    expect(colorize).toMatchObject({ sampler: 'pc', steps: 100, posteriorSteps: 1 });
    expect(evaluationsOf(colorize)).toBe(400);
    // The Quality preset is the paper's own setting.
    expect(specFor('quality', 1000, 'dpm++3m', 'constrained', inpaint)).not.toHaveProperty(
      'correctorSteps',
    );
    expect(
      specFor('quality', 1000, 'dpm++3m', 'constrained', fastChoice(model, 'colorize')),
    ).not.toHaveProperty('posteriorSteps');
    expect(specFor('fast', 20, 'dpm++3m', 'free', fastChoice(model, 'generate'))).toEqual({
      sampler: 'dpm++3m',
      steps: 20,
    });
    expect(fastChoice(null, 'inpaint')).toEqual({});
  });

  it('counts network evaluations', () => {
    expect(evaluationsOf({ sampler: 'pc', steps: 1000, corrector: 'langevin' })).toBe(2000);
    expect(evaluationsOf({ sampler: 'heun-karras', steps: 12 })).toBe(24);
    expect(evaluationsOf({ sampler: 'dpm++3m', steps: 20, posteriorSteps: 1 })).toBe(40);
    expect(evaluationsOf({ sampler: 'ode' })).toBeNull();
    const s = randomSeed();
    expect(Number.isInteger(s) && s >= 0).toBe(true);
  });
});
