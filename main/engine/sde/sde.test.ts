import { describe, expect, it } from 'vitest';
import { SubVpSde, VeSde, VpSde, type Sde } from './sde.ts';
import { sdeFromParams, sdeParamsSchema } from './params.ts';
import { createRng } from '../rng.ts';

const sdes: Sde[] = [
  new VeSde(0.01, 50, 1000, 1e-5),
  new VpSde(0.1, 20, 1000, 1e-3),
  new SubVpSde(0.1, 20, 1000, 1e-3),
];

/**
 * Integrates the moment ODEs of a linear SDE, d mean/dt = a(t) mean and d var/dt = 2 a(t) var + g(t)^2,
 * with RK4 from 0 to t, independently of the closed forms under test.
 */
function integrateMoments(sde: Sde, t: number, steps = 20000): { mean: number; variance: number } {
  const rhs = (s: number, m: number, v: number): [number, number] => {
    const a = sde.driftCoef(s);
    return [a * m, 2 * a * v + sde.diffusion(s) ** 2];
  };
  let m = 1;
  let v = 0;
  const h = t / steps;
  for (let i = 0; i < steps; i++) {
    const s = i * h;
    const k1 = rhs(s, m, v);
    const k2 = rhs(s + h / 2, m + (h / 2) * k1[0], v + (h / 2) * k1[1]);
    const k3 = rhs(s + h / 2, m + (h / 2) * k2[0], v + (h / 2) * k2[1]);
    const k4 = rhs(s + h, m + h * k3[0], v + h * k3[1]);
    m += (h / 6) * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]);
    v += (h / 6) * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1]);
  }
  return { mean: m, variance: v };
}

describe.each(sdes.map((s) => [s.type, s] as const))('%s SDE', (_name, sde) => {
  it.each([0.05, 0.3, 0.7, 1])('marginal at t=%f solves the moment equations', (t) => {
    const exact = integrateMoments(sde, t);
    const { mean, std } = sde.marginal(t);
    expect(mean).toBeCloseTo(exact.mean, 9);
    // VE variance starts from sigma_min^2 rather than 0: the kernel is N(x0, sigma(t)^2).
    const offset = sde.type === 've' ? 0.01 ** 2 : 0;
    expect(std * std).toBeCloseTo(exact.variance + offset, 6);
  });

  it('prior matches the marginal at T for data near the origin', () => {
    const { mean, std } = sde.marginal(sde.T);
    expect(Math.hypot(mean * 0.5, std)).toBeCloseTo(sde.priorStd, 1);
  });

  it('prior log-density is the Gaussian log-density', () => {
    const z = sde.priorSample([2, 1, 1, 3], createRng(3));
    const logp = sde.priorLogp(z);
    const s = sde.priorStd;
    for (let b = 0; b < 2; b++) {
      let want = 0;
      for (let i = 0; i < 3; i++) {
        const v = z.data[b * 3 + i]!;
        want += -0.5 * Math.log(2 * Math.PI * s * s) - (v * v) / (2 * s * s);
      }
      expect(logp[b]).toBeCloseTo(want, 6);
    }
  });

  it('prior samples have the prior std', () => {
    const z = sde.priorSample([4000, 1, 1, 1], createRng(1));
    const sd = Math.sqrt(z.data.reduce((a, v) => a + v * v, 0) / z.data.length);
    expect(sd / sde.priorStd).toBeGreaterThan(0.95);
    expect(sd / sde.priorStd).toBeLessThan(1.05);
  });

  it.each([0.2, 0.5, 0.9])(
    'discretization at t=%f approaches f dt and g sqrt(dt) as N grows',
    (t) => {
      const fine = sde.withSteps(100_000);
      const x = new Float32Array([0.5, -1, 2]);
      const dt = 1 / fine.N;
      const { f, G } = fine.discretize(x, t);
      const { drift, diffusion } = fine.sde(x, t);
      expect(G / (diffusion * Math.sqrt(dt))).toBeCloseTo(1, 3);
      for (let i = 0; i < 3; i++) expect(f[i]! / dt).toBeCloseTo(drift[i]!, 2);
    },
  );

  it('withSteps keeps the continuous SDE', () => {
    const other = sde.withSteps(50);
    expect(other.N).toBe(50);
    expect(other.marginal(0.4)).toEqual(sde.marginal(0.4));
    expect(other.diffusion(0.4)).toBe(sde.diffusion(0.4));
  });
});

describe('sde params', () => {
  it('builds each SDE from manifest params with defaults', () => {
    const vp = sdeFromParams(sdeParamsSchema.parse({ type: 'vp', beta_min: 0.1, beta_max: 20 }));
    expect(vp).toBeInstanceOf(VpSde);
    expect(vp.N).toBe(1000);
    expect(vp.eps).toBe(1e-3);
    const ve = sdeFromParams(sdeParamsSchema.parse({ type: 've', sigma_min: 0.01, sigma_max: 50 }));
    expect(ve).toBeInstanceOf(VeSde);
    expect(ve.eps).toBe(1e-5);
  });

  it('rejects bad params', () => {
    expect(sdeParamsSchema.safeParse({ type: 'vp', beta_min: -1, beta_max: 20 }).success).toBe(
      false,
    );
    expect(sdeParamsSchema.safeParse({ type: 'xx' }).success).toBe(false);
    expect(() => new VeSde(1, 0.5, 10, 1e-5)).toThrow(/sigma_min < sigma_max/);
    expect(() => new VpSde(0.1, 20, 0, 1e-3)).toThrow(/N must be/);
    expect(() => new SubVpSde(0.1, 20, 1000, 1e-3).withSteps(20)).toThrow(
      /needs more than 20 steps/,
    );
  });
});
