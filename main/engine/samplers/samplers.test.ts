import { describe, expect, it } from 'vitest';
import { SubVpSde, VeSde, VpSde, type Sde } from '../sde/sde.ts';
import { createRng } from '../rng.ts';
import { gaussianScore } from '../testing/analytic-gaussian.ts';
import { resolvedSettings, runSampler } from './index.ts';
import { samplerSpecSchema, type SamplerSpecInput } from './spec.ts';
import type { StepInfo } from './types.ts';

const MU = 0.3;
const S0 = 0.2;
const N_ITEMS = 2000;

const sdes: Sde[] = [
  new VeSde(0.01, 5, 1000, 1e-5),
  new VpSde(0.1, 20, 1000, 1e-3),
  new SubVpSde(0.1, 20, 1000, 1e-3),
];

async function sample(sde: Sde, spec: SamplerSpecInput, seed = 0) {
  const rng = createRng(seed);
  const x = sde.priorSample([N_ITEMS, 1, 1, 1], rng);
  return runSampler(samplerSpecSchema.parse(spec), gaussianScore(sde, MU, S0), sde, x, { rng });
}

function moments(v: Float32Array): { mean: number; sd: number } {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return { mean, sd };
}

const specs: SamplerSpecInput[] = [
  { sampler: 'pc', predictor: 'reverse_diffusion', corrector: 'langevin' },
  { sampler: 'pc', predictor: 'euler_maruyama', corrector: 'none' },
  { sampler: 'pc', predictor: 'reverse_diffusion', corrector: 'annealed_langevin', steps: 300 },
  { sampler: 'ode', rtol: 1e-5, atol: 1e-5 },
  { sampler: 'heun', steps: 50 },
  { sampler: 'dpm++2m', steps: 20 },
  { sampler: 'dpm++3m', steps: 15 },
  { sampler: 'heun-karras', steps: 20 },
];

describe.each(sdes.map((s) => [s.type, s] as const))('samplers on a Gaussian, %s', (_n, sde) => {
  const ancestral: SamplerSpecInput = { sampler: 'pc', predictor: 'ancestral' };
  const cases = sde.type === 'subvp' ? specs : [...specs, ancestral];
  it.each(cases.map((s) => [JSON.stringify(s), s] as const))(
    '%s recovers mean and spread',
    async (_k, spec) => {
      const { x } = await sample(sde, spec);
      const { mean, sd } = moments(x.data);
      expect(Math.abs(mean - MU)).toBeLessThan(0.02);
      expect(Math.abs(sd / S0 - 1)).toBeLessThan(0.1);
    },
  );
});

describe('sampler bookkeeping', () => {
  const vp = new VpSde(0.1, 20, 100, 1e-3);

  it('counts evaluations as the algorithms say', async () => {
    expect((await sample(vp, { sampler: 'pc', correctorSteps: 2 })).nfe).toBe(300);
    expect((await sample(vp, { sampler: 'pc', corrector: 'none', steps: 40 })).nfe).toBe(40);
    expect((await sample(vp, { sampler: 'dpm++2m', steps: 10 })).nfe).toBe(11);
    expect((await sample(vp, { sampler: 'dpm++2m', steps: 10, denoise: false })).nfe).toBe(10);
    expect((await sample(vp, { sampler: 'heun-karras', steps: 10, denoise: false })).nfe).toBe(20);
    expect((await sample(vp, { sampler: 'euler', steps: 30, denoise: false })).nfe).toBe(30);
  });

  it('resolves the settings a spec runs with, and runs with them', async () => {
    const settings = (spec: SamplerSpecInput) =>
      resolvedSettings(samplerSpecSchema.parse(spec), vp);
    expect(settings({ sampler: 'pc' })).toEqual({ steps: vp.N });
    expect(settings({ sampler: 'pc', steps: 40 })).toEqual({ steps: 40 });
    expect(settings({ sampler: 'ode', rtol: 1e-3 })).toEqual({ rtol: 1e-3, atol: 1e-5 });
    for (const sampler of ['euler', 'heun', 'dpm++2m', 'dpm++3m', 'heun-karras'] as const) {
      const resolved = settings({ sampler });
      const explicit = { sampler, steps: 'steps' in resolved ? resolved.steps : -1 };
      const [a, b] = [await sample(vp, { sampler }, 3), await sample(vp, explicit, 3)];
      expect(b.nfe).toBe(a.nfe);
      expect(Buffer.from(a.x.data.buffer).equals(Buffer.from(b.x.data.buffer))).toBe(true);
    }
  });

  it('probability-flow ODE needs fewer evaluations at looser tolerance', async () => {
    const tight = await sample(vp, { sampler: 'ode', rtol: 1e-6, atol: 1e-6 });
    const loose = await sample(vp, { sampler: 'ode', rtol: 1e-2, atol: 1e-2 });
    expect(loose.nfe).toBeLessThan(tight.nfe);
  });

  it('is deterministic for a seed, including stochastic samplers', async () => {
    for (const spec of specs.slice(0, 2)) {
      const a = await sample(vp, spec, 5);
      const b = await sample(vp, spec, 5);
      expect(Buffer.from(a.x.data.buffer).equals(Buffer.from(b.x.data.buffer))).toBe(true);
      const c = await sample(vp, spec, 6);
      expect(Buffer.from(a.x.data.buffer).equals(Buffer.from(c.x.data.buffer))).toBe(false);
    }
  });

  it('reports progress after each evaluation and stops within one evaluation of a cancel', async () => {
    for (const sampler of ['pc', 'ode', 'dpm++2m', 'heun-karras', 'heun'] as const) {
      const ac = new AbortController();
      const seen: StepInfo[] = [];
      const rng = createRng(1);
      const score = gaussianScore(vp, MU, S0);
      let evaluations = 0;
      const counting = async (...args: Parameters<typeof score>) => {
        evaluations++;
        return score(...args);
      };
      const run = runSampler(
        samplerSpecSchema.parse({ sampler }),
        counting,
        vp,
        vp.priorSample([4, 1, 1, 1], rng),
        {
          rng,
          signal: ac.signal,
          onStep: (info) => {
            seen.push(info);
            if (info.nfe === 7) ac.abort();
          },
        },
      );
      await expect(run).rejects.toThrow(/cancelled/);
      expect(evaluations).toBe(7);
      expect(seen.map((s) => s.nfe)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(seen.every((s) => s.progress >= 0 && s.progress <= 1 && s.denoised)).toBe(true);
    }
  });

  it('applies a constraint at every step of every sampler', async () => {
    // Item pixel 0 is known (= 0.7): the constraint puts a forward-process sample of it back.
    const known = 0.7;
    for (const spec of specs) {
      const rng = createRng(2);
      let calls = 0;
      const x = vp.priorSample([500, 1, 1, 2], rng);
      const out = await runSampler(
        samplerSpecSchema.parse(spec),
        gaussianScore(vp, MU, S0),
        vp,
        x,
        {
          rng,
          constrain: (xt, t) => {
            calls++;
            const { mean, std } = vp.marginal(t);
            const data = Float32Array.from(xt.data);
            const z = rng.normal(data.length / 2);
            for (let i = 0; i < z.length; i++) data[2 * i] = mean * known + std * z[i]!;
            return { data, shape: xt.shape };
          },
        },
      );
      expect(calls).toBeGreaterThan(5);
      const pix0 = out.x.data.filter((_, i) => i % 2 === 0);
      const pix1 = out.x.data.filter((_, i) => i % 2 === 1);
      // The last step starts from the constrained state, so pixel 0 ends near the known value,
      // while pixel 1, independent of it, keeps its own distribution.

      expect(Math.abs(moments(pix0).mean - known)).toBeLessThan(0.05);
      expect(Math.abs(moments(pix1).mean - MU)).toBeLessThan(0.05);
    }
  });

  it('refuses ancestral sampling on sub-VP', async () => {
    const sub = new SubVpSde(0.1, 20, 30, 1e-3);
    await expect(sample(sub, { sampler: 'pc', predictor: 'ancestral' })).rejects.toThrow(
      /VE and VP/,
    );
  });
});
