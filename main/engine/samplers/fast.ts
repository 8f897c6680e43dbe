import { tensor, type Tensor } from '../tensor.ts';
import type { Sde } from '../sde/sde.ts';
import { denoiseAtEps } from './denoise.ts';
import { tweedie } from './instrument.ts';
import { scaledSigma, scheduleTimes } from './schedules.ts';
import type { ScheduleName } from './spec.ts';
import { constrained, type SamplerOptions, type ScoreFn } from './types.ts';

export interface FastOptions extends SamplerOptions {
  steps: number;
  schedule?: ScheduleName | undefined;
  denoise: boolean;
}

/** The network's estimate of the clean image at time t (data prediction). */
async function dataPrediction(
  score: ScoreFn,
  sde: Sde,
  x: Tensor,
  t: number,
): Promise<Float32Array> {
  return tweedie(sde, x, await score(x, t), t).data;
}

/**
 * DPM-Solver++ multistep (Lu et al. 2022; 3M as in k-diffusion): an exponential integrator of the
 * probability-flow ODE in data-prediction form, exact for the ODE's linear part, with the data
 * prediction extrapolated from the last `order` evaluations. It runs in the scaled variable
 * y = x / mean(t), where every SDE's flow is dy/dsigma~ = (y - D(y)) / sigma~, so one solver serves
 * VE, VP and sub-VP. One evaluation per step (plus one when denoising).
 */
export async function sampleDpmSolverMultistep(
  score: ScoreFn,
  sde: Sde,
  x: Tensor,
  o: FastOptions & { order: 2 | 3 },
): Promise<Tensor> {
  const ts = scheduleTimes(sde, o.steps, o.schedule ?? 'logsnr');
  const lambda = (t: number): number => -Math.log(scaledSigma(sde, t));
  let y = x.data.map((v) => v / sde.marginal(sde.T).mean);
  const history: { d: Float32Array; h: number }[] = [];
  for (let i = 0; i < o.steps; i++) {
    const s = ts[i]!;
    const t = ts[i + 1]!;
    const mean = sde.marginal(s).mean;
    const xs = constrained(
      o,
      tensor(
        y.map((v) => v * mean),
        x.shape,
      ),
      s,
    );
    y = xs.data.map((v) => v / mean);
    const d = await dataPrediction(score, sde, xs, s);
    const h = lambda(t) - lambda(s);
    // Warm up from first order; with few steps also end in lower order, which DPM-Solver found
    // more stable near the data ("lower order final").
    const order = Math.min(o.order, history.length + 1, o.steps < 15 ? o.steps - i : o.order);
    const decay = Math.exp(-h);
    const phi2 = Math.expm1(-h) / h + 1;
    const phi3 = phi2 / h - 0.5;
    const [p1, p2] = history;
    const next = new Float32Array(y.length);
    for (let j = 0; j < next.length; j++) {
      let v = decay * y[j]! + (1 - decay) * d[j]!;
      if (order >= 2) {
        const r0 = p1!.h / h;
        const d10 = (d[j]! - p1!.d[j]!) / r0;
        if (order === 2) {
          v += phi2 * d10;
        } else {
          const r1 = p2!.h / h;
          const d11 = (p1!.d[j]! - p2!.d[j]!) / r1;
          const d1 = d10 + ((d10 - d11) * r0) / (r0 + r1);
          const d2 = (d10 - d11) / (r0 + r1);
          v += phi2 * d1 - phi3 * d2;
        }
      }
      next[j] = v;
    }
    y = next;
    history.unshift({ d, h });
    history.length = Math.min(history.length, 2);
  }
  const mean = sde.marginal(sde.eps).mean;
  const out = tensor(
    y.map((v) => v * mean),
    x.shape,
  );
  return o.denoise ? denoiseAtEps(score, sde, constrained(o, out, sde.eps), o.rng) : out;
}

/**
 * Heun's method (Karras et al., EDM), by default on their rho=7 schedule, in the scaled variable
 * y = x / mean(t) where the ODE reads dy/dsigma = (y - D(y)) / sigma. 2 evaluations per step.
 */
export async function sampleHeunKarras(
  score: ScoreFn,
  sde: Sde,
  x: Tensor,
  o: FastOptions,
): Promise<Tensor> {
  const ts = scheduleTimes(sde, o.steps, o.schedule ?? 'karras');
  const slope = async (y: Float32Array, t: number): Promise<Float32Array> => {
    const { mean } = sde.marginal(t);
    const sigma = scaledSigma(sde, t);
    const xt = y.map((v) => v * mean);
    const d = await dataPrediction(score, sde, tensor(xt, x.shape), t);
    return y.map((v, j) => (v - d[j]!) / sigma);
  };
  let y = x.data.map((v) => v / sde.marginal(sde.T).mean);
  for (let i = 0; i < o.steps; i++) {
    const s = ts[i]!;
    const t = ts[i + 1]!;
    const h = scaledSigma(sde, t) - scaledSigma(sde, s);
    if (o.constrain) {
      const mean = sde.marginal(s).mean;
      y = o
        .constrain(
          tensor(
            y.map((v) => v * mean),
            x.shape,
          ),
          s,
        )
        .data.map((v) => v / mean);
    }
    const k1 = await slope(y, s);
    const euler = y.map((v, j) => v + h * k1[j]!);
    const k2 = await slope(euler, t);
    y = y.map((v, j) => v + 0.5 * h * (k1[j]! + k2[j]!));
  }
  const mean = sde.marginal(sde.eps).mean;
  const out = tensor(
    y.map((v) => v * mean),
    x.shape,
  );
  return o.denoise ? denoiseAtEps(score, sde, constrained(o, out, sde.eps), o.rng) : out;
}
