import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sdeFromParams, sdeParamsSchema } from '../sde/params.ts';
import { tensor, type Tensor } from '../tensor.ts';
import type { GaussianRng } from '../rng.ts';
import { gaussianScore } from '../testing/analytic-gaussian.ts';
import { CORRECTOR_STEPS } from './correctors.ts';
import { PREDICTOR_STEPS, type StepContext } from './predictors.ts';

// Written by models/reference/make_reference_vectors.py, an independent numpy float64 implementation.
interface StepCase {
  kind: 'predictor' | 'corrector';
  name: string;
  probability_flow?: boolean;
  snr?: number;
  n_steps?: number;
  t: number;
  shape: Tensor['shape'];
  x: number[];
  noise: number[];
  out_x: number[];
  out_x_mean: number[];
}
interface SdeCase {
  name: string;
  params: unknown;
  marginal: { t: number; mean: number; std: number }[];
  sde: { t: number; x: number[]; drift: number[]; diffusion: number }[];
  discretize: { t: number; x: number[]; f: number[]; G: number }[];
  prior_logp: { shape: Tensor['shape']; z: number[]; logp: number[] }[];
  langevin_alpha: { t: number; alpha: number }[];
  steps: StepCase[];
}
const ref = JSON.parse(
  readFileSync(new URL('../__fixtures__/sde-reference.json', import.meta.url), 'utf8'),
) as { score: { mu: number; s0: number }; sdes: SdeCase[] };

/** Replays the reference noise so that a stochastic step becomes a deterministic function. */
function fixedNoise(noise: number[]): GaussianRng {
  return {
    normal: (n) => {
      if (n !== noise.length)
        throw new Error(`asked for ${n} normals, reference has ${noise.length}`);
      return Float32Array.from(noise);
    },
    rademacher: () => {
      throw new Error('unused');
    },
    uniform: () => {
      throw new Error('unused');
    },
  };
}

function expectClose(got: ArrayLike<number>, want: number[], rel = 2e-5): void {
  expect(got.length).toBe(want.length);
  const scale = Math.max(1, ...want.map(Math.abs));
  for (let i = 0; i < want.length; i++) {
    expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(rel * scale);
  }
}

describe.each(ref.sdes.map((c) => [c.name, c] as const))('reference vectors: %s', (_n, c) => {
  const sde = sdeFromParams(sdeParamsSchema.parse(c.params));
  const score = gaussianScore(sde, ref.score.mu, ref.score.s0);

  it('marginals, drift, diffusion, discretization, prior and Langevin alpha', () => {
    for (const m of c.marginal) {
      const got = sde.marginal(m.t);
      expect(got.mean).toBeCloseTo(m.mean, 10);
      expect(got.std / m.std).toBeCloseTo(1, 9);
    }
    for (const s of c.sde) {
      const got = sde.sde(Float32Array.from(s.x), s.t);
      expectClose(got.drift, s.drift);
      expect(got.diffusion / s.diffusion).toBeCloseTo(1, 9);
    }
    for (const d of c.discretize) {
      const got = sde.discretize(Float32Array.from(d.x), d.t);
      expectClose(got.f, d.f);
      expect(got.G).toBeCloseTo(d.G, 9);
    }
    for (const p of c.prior_logp) {
      expectClose(sde.priorLogp(tensor(Float32Array.from(p.z), p.shape)), p.logp, 1e-9);
    }
    for (const a of c.langevin_alpha) expect(sde.langevinAlpha(a.t)).toBeCloseTo(a.alpha, 12);
  });

  it.each(
    c.steps.map(
      (s) => [`${s.kind} ${s.name}${s.probability_flow ? ' (flow)' : ''} t=${s.t}`, s] as const,
    ),
  )('%s', async (_k, s) => {
    const ctx: StepContext = {
      sde,
      score,
      rsde: sde.reverse(score, s.probability_flow ?? false),
      rng: fixedNoise(s.noise),
    };
    const x = tensor(Float32Array.from(s.x), s.shape);
    const out =
      s.kind === 'predictor'
        ? await PREDICTOR_STEPS[s.name as keyof typeof PREDICTOR_STEPS](ctx, x, s.t)
        : await CORRECTOR_STEPS[s.name as keyof typeof CORRECTOR_STEPS](
            ctx,
            x,
            s.t,
            s.snr!,
            s.n_steps!,
          );
    expectClose(out.x.data, s.out_x);
    expectClose(out.xMean.data, s.out_x_mean);
  });
});
