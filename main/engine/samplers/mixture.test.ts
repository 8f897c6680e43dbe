import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../rng.ts';
import { loadModel, type ScoreModel } from '../score/score-model.ts';
import { runSampler } from './index.ts';
import { samplerSpecSchema, type SamplerSpecInput } from './spec.ts';

// ONNX model folders whose network is the exact score of a 2-D Gaussian mixture, written by
// models/analytic/make_mixture_models.py: the samplers must reproduce the mixture itself.
const fixture = (name: string) =>
  new URL(`../__fixtures__/mixtures/${name}/`, import.meta.url).pathname;

interface Mixture {
  weights: number[];
  means: number[][];
  stds: number[];
}

const N = 2000;

/** Weights of the components the samples fall nearest to, and each component's per-axis spread. */
function componentStats(x: Float32Array, mix: Mixture): { weights: number[]; spreads: number[] } {
  const k = mix.weights.length;
  const counts = new Array<number>(k).fill(0);
  const sq = new Array<number>(k).fill(0);
  for (let i = 0; i < x.length / 2; i++) {
    const p = [x[2 * i]!, x[2 * i + 1]!];
    const d = mix.means.map((m) => (p[0]! - m[0]!) ** 2 + (p[1]! - m[1]!) ** 2);
    const c = d.indexOf(Math.min(...d));
    counts[c]!++;
    sq[c]! += d[c]!;
  }
  return {
    weights: counts.map((c) => c / (x.length / 2)),
    spreads: sq.map((s, c) => Math.sqrt(s / (2 * counts[c]!))),
  };
}

const specs: SamplerSpecInput[] = [
  { sampler: 'pc', predictor: 'reverse_diffusion', corrector: 'langevin' },
  { sampler: 'ode', rtol: 1e-5, atol: 1e-5 },
  { sampler: 'dpm++3m', steps: 20 },
  { sampler: 'dpm++2m', steps: 20, schedule: 'time-quadratic' },
  { sampler: 'heun-karras', steps: 15 },
];

describe.each(['ve', 'vp', 'subvp'])('samplers on the exact %s mixture score', (name) => {
  let model: ScoreModel;
  let mix: Mixture;
  beforeAll(async () => {
    model = await loadModel(fixture(name), { maxBatch: N });
    mix = (JSON.parse(readFileSync(fixture(name) + 'model.json', 'utf8')) as { mixture: Mixture })
      .mixture;
  });
  afterAll(async () => model.dispose());

  it.each(specs.map((s) => [JSON.stringify(s), s] as const))(
    '%s reproduces component weights and spreads',
    async (_s, spec) => {
      const rng = createRng(11);
      const x = model.sde.priorSample([N, ...model.shape], rng);
      const out = await runSampler(samplerSpecSchema.parse(spec), model.score, model.sde, x, {
        rng,
      });
      const { weights, spreads } = componentStats(out.x.data, mix);
      weights.forEach((w, k) => expect(Math.abs(w - mix.weights[k]!)).toBeLessThan(0.03));
      spreads.forEach((s, k) => expect(Math.abs(s / mix.stds[k]! - 1)).toBeLessThan(0.15));
    },
  );

  it('the ODE sampler spends fewer evaluations at a looser tolerance', async () => {
    const nfe = async (rtol: number) => {
      const rng = createRng(3);
      const x = model.sde.priorSample([64, ...model.shape], rng);
      const spec = samplerSpecSchema.parse({ sampler: 'ode', rtol, atol: rtol });
      return (await runSampler(spec, model.score, model.sde, x, { rng })).nfe;
    };
    expect(await nfe(1e-2)).toBeLessThan(await nfe(1e-5));
  });
});
