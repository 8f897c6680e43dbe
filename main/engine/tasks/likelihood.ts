import { createRng, type GaussianRng } from '../rng.ts';
import { instrument } from '../samplers/instrument.ts';
import { rk45, type ErrorGroups } from '../samplers/rk45.ts';
import type { ScoreFn, StepInfo } from '../samplers/types.ts';
import type { Sde } from '../sde/sde.ts';
import { tensor, type Tensor } from '../tensor.ts';
import { checkBatch, type TaskModel } from './types.ts';

/**
 * Central-difference step of the Jacobian-vector products, relative to std(t). p_t is p_0 blurred by
 * a Gaussian of std(t), so the score changes on length scales >= std(t): a step h = c std(t) has a
 * truncation error ~ c^2 and a float32 rounding error ~ 2^-23 / c (relative), which balance at
 * c = (2^-23)^(1/3) ~ 5e-3. The smallest std the SDEs reach (~1e-2 at eps) keeps h ~ 5e-5, still
 * ~1000 float32 ulps of a pixel value in [-1, 1].
 */
export const FD_RELATIVE_STEP = Math.cbrt(2 ** -23);

export interface LikelihoodOptions {
  /** RK45 tolerances of the augmented ODE (score_sde uses 1e-5). */
  rtol: number;
  atol: number;
  /** Rademacher probes of Hutchinson's estimator per item (default 1, as score_sde). */
  probes?: number;
  /** The full divergence from D unit probes: exact up to the finite difference, for small D. */
  exact?: boolean;
  /** Seed of the probes, which stay fixed for the whole solve (default 0). */
  seed?: number;
  /** Finite-difference step relative to std(t) (default FD_RELATIVE_STEP). */
  relativeStep?: number;
  /** The model's data range, for bits/dim (default [-1, 1], the manifest's usual range). */
  range?: readonly [number, number];
  signal?: AbortSignal;
  onStep?: (info: StepInfo) => void;
}

export interface LikelihoodResult {
  /** log p_eps(x) per item in nats: the density of the model's (continuous) data at time eps. */
  logp: Float64Array;
  /** Bits per dimension of the 8-bit image each x dequantizes (see bitsPerDim). */
  bpd: Float64Array;
  /** The latent code the ODE reached at T. */
  z: Tensor;
  /** Network calls; each one evaluates the item and all its probes stacked in a single batch. */
  nfe: number;
}

/**
 * Exact likelihood through the probability-flow ODE (Song et al. 2021, Sec. 4.3; Chen et al. 2018):
 * the state [x, delta] follows dx/dt = f(x,t) - g^2 s/2 and d delta/dt = div of that drift from eps
 * to T, and log p_eps(x) = log p_T(x(T)) + delta(T). The drift's linear part has divergence D a(t);
 * the score's divergence comes from Hutchinson's estimator E_v[v^T J v] with Rademacher probes v,
 * the Jacobian-vector products from central differences (ONNX graphs have no autograd):
 * v^T (s(x + h v) - s(x - h v)) / 2h, with x and all its +-h v stacked in one network call.
 */
export async function likelihood(
  model: TaskModel,
  x: Tensor,
  o: LikelihoodOptions,
): Promise<LikelihoodResult> {
  checkBatch(model, x);
  const { sde } = model;
  const [b, c, h, w] = x.shape;
  const d = c * h * w;
  const probes = o.exact ? unitProbes(b, d) : rademacherProbes(b, d, o.probes ?? 1, o.seed ?? 0);
  const counted = instrument(model.score, sde, { rng: createRng(0), signal: o.signal });
  const relativeStep = o.relativeStep ?? FD_RELATIVE_STEP;
  if (!(relativeStep > 0)) throw new Error(`relativeStep must be positive, got ${relativeStep}`);
  const derivative = augmentedFlow(counted.score, sde, x.shape, probes, relativeStep);
  const y0 = new Float64Array(b * d + b);
  y0.set(x.data);
  const { y } = await rk45(
    async (t, state) => {
      const dy = await derivative(t, state);
      o.onStep?.({
        nfe: counted.nfe(),
        t,
        x: tensor(Float32Array.from(state.subarray(0, b * d)), x.shape),
        progress: (t - sde.eps) / (sde.T - sde.eps),
      });
      return dy;
    },
    y0,
    sde.eps,
    sde.T,
    { ...o, groups: itemGroups(b, d) },
  );
  const z = tensor(Float32Array.from(y.subarray(0, b * d)), x.shape);
  const prior = sde.priorLogp(z);
  const logp = prior.map((lp, i) => lp + y[b * d + i]!);
  const range = o.range ?? [-1, 1];
  return { logp, bpd: logp.map((lp) => bitsPerDim(lp, d, range)), z, nfe: counted.nfe() };
}

/**
 * Bits/dim of 8-bit data from the log-density of its dequantized version, score_sde's convention:
 * pixel value k in 0..255 becomes the continuous u = (k + U[0,1)) / 256 in [0, 1), mapped to the
 * model range as x = lo + (hi - lo) u. The probability of k is the density of u integrated over a
 * bin of width 1/256, ~ p_u / 256 per dimension, and p_u = (hi - lo) p_x, so
 * bpd = -log2 P(k) / D = -log p_x / (D ln 2) + 8 - log2(hi - lo). For [-1, 1] that is + 7, exactly
 * score_sde's `offset = 7 - inverse_scaler(-1)`.
 */
export function bitsPerDim(logp: number, dims: number, range: readonly [number, number]): number {
  const [lo, hi] = range;
  return -logp / (dims * Math.LN2) + 8 - Math.log2(hi - lo);
}

/**
 * Uniform dequantization of an 8-bit image read as lo + (hi - lo) k / 255 (how images are loaded):
 * recovers k and returns lo + (hi - lo) (k + u) / 256 with u ~ U[0, 1), the points whose density
 * bitsPerDim converts. Average the bits/dim of a few draws for a lower-variance estimate.
 */
export function dequantize(x: Tensor, range: readonly [number, number], rng: GaussianRng): Tensor {
  const [lo, hi] = range;
  const width = hi - lo;
  const out = x.data.map((v) => {
    const k = Math.min(255, Math.max(0, Math.round(((v - lo) / width) * 255)));
    return lo + (width * (k + rng.uniform())) / 256;
  });
  return tensor(out, x.shape);
}

/**
 * vectors[item][p] is a probe of D values; the divergence is weight * sum_p v^T J v (1/count for
 * Hutchinson's mean, 1 for the sum over unit vectors, which is the trace itself).
 */
interface Probes {
  vectors: Float32Array[][];
  weight: number;
}

function rademacherProbes(b: number, d: number, count: number, seed: number): Probes {
  if (!Number.isInteger(count) || count < 1) {
    throw new Error(`Hutchinson probes must be a positive integer, got ${count}`);
  }
  const rng = createRng(seed);
  const vectors = Array.from({ length: b }, () =>
    Array.from({ length: count }, () => rng.rademacher(d)),
  );
  return { vectors, weight: 1 / count };
}

function unitProbes(b: number, d: number): Probes {
  if (d > 1024) {
    throw new Error(
      `exact divergence needs ${2 * d + 1} evaluations per item; ${d} dims is too many`,
    );
  }
  const units = Array.from({ length: d }, (_, i) => {
    const e = new Float32Array(d);
    e[i] = 1;
    return e;
  });
  return { vectors: Array.from({ length: b }, () => units), weight: 1 };
}

/** Derivative of the augmented state [x (B*D), delta (B)] at time t: one stacked network call. */
function augmentedFlow(
  score: ScoreFn,
  sde: Sde,
  shape: Tensor['shape'],
  probes: Probes,
  relativeStep: number,
): (t: number, y: Float64Array) => Promise<Float64Array> {
  const [b, c, h, w] = shape;
  const d = c * h * w;
  const { vectors, weight } = probes;
  const perItem = 1 + 2 * vectors[0]!.length;
  return async (t, y) => {
    const step = relativeStep * sde.marginal(t).std;
    const stacked = new Float32Array(b * perItem * d);
    for (let i = 0; i < b; i++) {
      const x = y.subarray(i * d, (i + 1) * d);
      const base = i * perItem * d;
      stacked.set(x, base);
      vectors[i]!.forEach((v, p) => {
        const plus = base + (1 + 2 * p) * d;
        const minus = plus + d;
        for (let j = 0; j < d; j++) {
          stacked[plus + j] = x[j]! + step * v[j]!;
          stacked[minus + j] = x[j]! - step * v[j]!;
        }
      });
    }
    const s = await score(tensor(stacked, [b * perItem, c, h, w]), t);
    const a = sde.driftCoef(t);
    const gg = sde.diffusion(t) ** 2 / 2;
    const out = new Float64Array(y.length);
    for (let i = 0; i < b; i++) {
      const base = i * perItem * d;
      for (let j = 0; j < d; j++) out[i * d + j] = a * y[i * d + j]! - gg * s[base + j]!;
      let trace = 0;
      vectors[i]!.forEach((v, p) => {
        const plus = base + (1 + 2 * p) * d;
        const minus = plus + d;
        let jvp = 0;
        for (let j = 0; j < d; j++) jvp += v[j]! * (s[plus + j]! - s[minus + j]!);
        trace += jvp / (2 * step);
      });
      out[b * d + i] = a * d - gg * weight * trace;
    }
    return out;
  };
}

/** Each item's pixels and its log-density change form one group of the augmented state. */
function itemGroups(b: number, d: number): ErrorGroups {
  const of = new Int32Array(b * d + b);
  for (let i = 0; i < b * d; i++) of[i] = Math.floor(i / d);
  for (let i = 0; i < b; i++) of[b * d + i] = i;
  return { count: b, of };
}
