import { describe, expect, it } from 'vitest';
import { toDecoupled } from '../imaging/color.ts';
import { samplerSpecSchema, SAMPLERS } from '../samplers/spec.ts';
import { VeSde, VpSde } from '../sde/sde.ts';
import { gaussianScore, rgbGaussianScore } from '../testing/analytic-gaussian.ts';
import { tensor } from '../tensor.ts';
import { colorize } from './colorize.ts';
import type { TaskModel } from './types.ts';

// Data N(0.1, 0.3^2 I) over 3x4x4 RGB: in the decoupled basis the chroma channels are independent
// of the luminance, with mean 0 and std 0.3, whatever the gray image.
const S0 = 0.3;
const sde = new VpSde(0.1, 20, 1000, 1e-3);
const model: TaskModel = { sde, shape: [3, 4, 4], score: gaussianScore(sde, 0.1, S0) };
const gray = tensor(
  Float32Array.from({ length: 16 }, (_, i) => -0.8 + 0.1 * i),
  [1, 1, 4, 4],
);

describe('colorize', () => {
  it.each(SAMPLERS.map((s) => [s]))(
    '%s keeps the luminance of the input exactly',
    async (sampler) => {
      const spec = samplerSpecSchema.parse({ sampler, steps: 30 });
      const out = await colorize(model, gray, { spec, n: 3, seed: 2 });
      expect(out.x.shape).toEqual([3, 3, 4, 4]);
      for (let b = 0; b < 3; b++) {
        for (let p = 0; p < 16; p++) {
          const rgb = [0, 1, 2].map((c) => out.x.data[b * 48 + c * 16 + p]!);
          expect(Math.abs((rgb[0]! + rgb[1]! + rgb[2]!) / 3 - gray.data[p]!)).toBeLessThan(1e-6);
        }
      }
    },
  );

  it('samples the chroma from the model', async () => {
    const ve = new VeSde(0.01, 5, 1000, 1e-5);
    const veModel: TaskModel = { sde: ve, shape: [3, 4, 4], score: gaussianScore(ve, 0.1, S0) };
    const n = 200;
    const spec = samplerSpecSchema.parse({ sampler: 'pc' });
    const out = await colorize(veModel, gray, { spec, n, seed: 1 });
    const d = toDecoupled(out.x.data, 16);
    let sum = 0;
    let sq = 0;
    for (let b = 0; b < n; b++) {
      for (let i = 16; i < 48; i++) {
        sum += d[b * 48 + i]!;
        sq += d[b * 48 + i]! ** 2;
      }
    }
    const count = n * 32;
    expect(Math.abs(sum / count)).toBeLessThan(0.02);
    expect(Math.sqrt(sq / count - (sum / count) ** 2) / S0).toBeGreaterThan(0.9);
    expect(Math.sqrt(sq / count - (sum / count) ** 2) / S0).toBeLessThan(1.1);
  });

  // Colour correlated with brightness (red pixels bright, blue dark): the gray image predicts the
  // colour, E[x0 | gray] = mu + C a (a'C a)^-1 (gray - a'mu) with a = (1,1,1)/3. The luminance
  // replacement alone leaves the ODE solvers short of it; the posterior correction gives it, in one
  // CG step here, as every pixel's gray has the same posterior variance.
  it.each([{ sampler: 'dpm++3m' }, { sampler: 'pc', steps: 100, corrector: 'none' }] as const)(
    'with the posterior correction $sampler colours as the data would',
    async (s) => {
      const mu = [0.1, 0, -0.1];
      const cov = [
        [0.09, 0.05, 0.0],
        [0.05, 0.06, 0.02],
        [0.0, 0.02, 0.04],
      ];
      const rgbModel: TaskModel = {
        sde,
        shape: [3, 4, 4],
        score: rgbGaussianScore(sde, mu, cov, 16),
      };
      const ca = cov.map((row) => (row[0]! + row[1]! + row[2]!) / 3);
      const aca = (ca[0]! + ca[1]! + ca[2]!) / 3;
      const amu = (mu[0]! + mu[1]! + mu[2]!) / 3;
      const want = (ch: number, g: number) => mu[ch]! + (ca[ch]! / aca) * (g - amu);
      const n = 2000;
      const error = async (posteriorSteps: number) => {
        const spec = samplerSpecSchema.parse({ ...s, posteriorSteps });
        const out = await colorize(rgbModel, gray, { spec, n, seed: 3 });
        let worst = 0;
        for (let p = 0; p < 16; p++) {
          for (let ch = 0; ch < 3; ch++) {
            let sum = 0;
            for (let b = 0; b < n; b++) sum += out.x.data[b * 48 + ch * 16 + p]!;
            worst = Math.max(worst, Math.abs(sum / n - want(ch, gray.data[p]!)));
          }
        }
        return worst;
      };
      expect(await error(0)).toBeGreaterThan(0.05);
      expect(await error(1)).toBeLessThan(0.02);
    },
  );

  it('is deterministic for a seed', async () => {
    const spec = samplerSpecSchema.parse({ sampler: 'dpm++2m' });
    const a = await colorize(model, gray, { spec, n: 2, seed: 5 });
    const b = await colorize(model, gray, { spec, n: 2, seed: 5 });
    expect(b.x.data).toEqual(a.x.data);
  });

  it('refuses a gray model and a wrong-sized image', async () => {
    const spec = samplerSpecSchema.parse({});
    const one: TaskModel = { ...model, shape: [1, 4, 4] };
    await expect(colorize(one, gray, { spec, n: 1, seed: 0 })).rejects.toThrow(
      /needs a 3-channel \(RGB\) model, this one has 1 channel/,
    );
    const small = tensor(new Float32Array(4), [1, 1, 2, 2]);
    await expect(colorize(model, small, { spec, n: 1, seed: 0 })).rejects.toThrow(
      /shape \[1,1,4,4\]/,
    );
  });
});
