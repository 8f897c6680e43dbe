import { CancelledError } from './instrument.ts';

/** Time derivative of the state; may be asynchronous because it calls a network. */
export type OdeFn = (t: number, y: Float64Array) => Promise<Float64Array>;

export interface Rk45Options {
  rtol: number;
  atol: number;
  signal?: AbortSignal;
  /** Upper bound on derivative evaluations, so a stiff or broken model cannot loop forever. */
  maxEvals?: number;
  /** Largest step; unbounded by default. */
  maxStep?: number | undefined;
  /**
   * The state holds independent systems (the items of a batch): the group of each component.
   * The error is then the worst group's RMS, so every item meets the tolerance; one RMS over the
   * whole batch would let a single image's error be averaged away by the others.
   */
  groups?: ErrorGroups | undefined;
  /**
   * Replaces the state after each accepted step (and at the start), for constrained sampling. The
   * derivative is then evaluated afresh: the first-same-as-last saving is lost on such steps.
   */
  project?: ((t: number, y: Float64Array) => Float64Array) | undefined;
}

export interface ErrorGroups {
  count: number;
  /** Group index of each state component. */
  of: Int32Array;
}

/** Groups for a batch of `items` systems of `size` values each, laid out one after another. */
export function batchGroups(items: number, size: number): ErrorGroups {
  const of = new Int32Array(items * size);
  for (let i = 0; i < of.length; i++) of[i] = Math.floor(i / size);
  return { count: items, of };
}

export interface Rk45Result {
  y: Float64Array;
  nfe: number;
  accepted: number;
  rejected: number;
}

// Dormand-Prince 5(4) tableau (Dormand & Prince 1980), with its first-same-as-last property.
const C = [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1];
const A: number[][] = [
  [],
  [1 / 5],
  [3 / 40, 9 / 40],
  [44 / 45, -56 / 15, 32 / 9],
  [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
  [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
];
const B = [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84];
// Fifth-order minus embedded fourth-order weights; the last one multiplies the FSAL stage k7.
const E = [71 / 57600, 0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40];

const WHOLE: ErrorGroups = { count: 1, of: new Int32Array(0) };
const SAFETY = 0.9;
const MIN_FACTOR = 0.2;
const MAX_FACTOR = 10;

/**
 * Adaptive Dormand-Prince RK45 from t0 to t1 (either direction), with the error control and initial
 * step choice of Hairer, Norsett & Wanner (the same rules as scipy's solve_ivp, so tolerances mean
 * the same thing as in score_sde's ODE sampler).
 */
export async function rk45(
  f: OdeFn,
  y0: Float64Array,
  t0: number,
  t1: number,
  o: Rk45Options,
): Promise<Rk45Result> {
  const n = y0.length;
  const dir = Math.sign(t1 - t0);
  const maxEvals = o.maxEvals ?? 100_000;
  let nfe = 0;
  const evalF = async (t: number, y: Float64Array): Promise<Float64Array> => {
    if (o.signal?.aborted) throw new CancelledError();
    if (nfe >= maxEvals) throw new Error(`ODE solver gave up after ${maxEvals} evaluations`);
    nfe++;
    const d = await f(t, y);
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(d[i]!)) throw new Error(`ODE derivative is not finite at t=${t}`);
    }
    return d;
  };
  const scaleOf = (a: Float64Array, b?: Float64Array): Float64Array => {
    const s = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const m = b ? Math.max(Math.abs(a[i]!), Math.abs(b[i]!)) : Math.abs(a[i]!);
      s[i] = o.atol + o.rtol * m;
    }
    return s;
  };

  let t = t0;
  let y = o.project ? o.project(t, Float64Array.from(y0)) : Float64Array.from(y0);
  if (dir === 0) return { y, nfe, accepted: 0, rejected: 0 };
  let k1 = await evalF(t, y);
  let h = await initialStep(evalF, t, y, k1, dir, scaleOf(y), Math.abs(t1 - t0));
  let accepted = 0;
  let rejected = 0;
  const k: Float64Array[] = new Array(7);
  const yTmp = new Float64Array(n);

  while (dir * (t1 - t) > 0) {
    const minStep = 10 * Math.abs(nextAfterGap(t));
    h = Math.min(Math.max(h, minStep), Math.abs(t1 - t), o.maxStep ?? Infinity);
    let stepAccepted = false;
    let stepRejected = false;
    while (!stepAccepted) {
      if (h < minStep) throw new Error(`ODE step size underflow at t=${t}`);
      const hs = h * dir;
      k[0] = k1;
      for (let s = 1; s < 6; s++) {
        for (let i = 0; i < n; i++) {
          let acc = 0;
          for (let j = 0; j < s; j++) acc += A[s]![j]! * k[j]![i]!;
          yTmp[i] = y[i]! + hs * acc;
        }
        k[s] = await evalF(t + C[s]! * hs, yTmp);
      }
      const yNew = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let acc = 0;
        for (let j = 0; j < 6; j++) acc += B[j]! * k[j]![i]!;
        yNew[i] = y[i]! + hs * acc;
      }
      const tNew = dir * (t1 - (t + hs)) < 1e-14 ? t1 : t + hs;
      k[6] = await evalF(tNew, yNew);
      const scale = scaleOf(y, yNew);
      const groups = o.groups ?? WHOLE;
      const sumSq = new Float64Array(groups.count);
      const count = new Float64Array(groups.count);
      for (let i = 0; i < n; i++) {
        let e = 0;
        for (let j = 0; j < 7; j++) e += E[j]! * k[j]![i]!;
        const r = (hs * e) / scale[i]!;
        const g = o.groups ? o.groups.of[i]! : 0;
        sumSq[g]! += r * r;
        count[g]!++;
      }
      let err = 0;
      for (let g = 0; g < groups.count; g++) {
        if (count[g]! > 0) err = Math.max(err, Math.sqrt(sumSq[g]! / count[g]!));
      }
      if (err < 1) {
        const factor = err === 0 ? MAX_FACTOR : Math.min(MAX_FACTOR, SAFETY * err ** -0.2);
        // Right after a rejection, do not grow the step again (Hairer's recommendation).
        h *= stepRejected ? Math.min(1, factor) : factor;
        t = tNew;
        if (o.project && dir * (t1 - t) > 0) {
          y = o.project(t, yNew);
          k1 = await evalF(t, y);
        } else {
          y = yNew;
          k1 = k[6]!;
        }
        accepted++;
        stepAccepted = true;
      } else {
        h *= Math.max(MIN_FACTOR, SAFETY * err ** -0.2);
        rejected++;
        stepRejected = true;
      }
    }
  }
  return { y, nfe, accepted, rejected };
}

function nextAfterGap(t: number): number {
  return Math.max(Math.abs(t), 1) * Number.EPSILON;
}

/** Hairer, Norsett & Wanner, Solving ODEs I, sec. II.4: a first step from two derivative samples. */
async function initialStep(
  f: OdeFn,
  t0: number,
  y0: Float64Array,
  f0: Float64Array,
  dir: number,
  scale: Float64Array,
  span: number,
): Promise<number> {
  const n = y0.length;
  const rms = (v: (i: number) => number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += v(i) ** 2;
    return Math.sqrt(s / n);
  };
  const d0 = rms((i) => y0[i]! / scale[i]!);
  const d1 = rms((i) => f0[i]! / scale[i]!);
  const h0 = Math.min(span, d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (0.01 * d0) / d1);
  const y1 = new Float64Array(n);
  for (let i = 0; i < n; i++) y1[i] = y0[i]! + h0 * dir * f0[i]!;
  const f1 = await f(t0 + h0 * dir, y1);
  const d2 = rms((i) => (f1[i]! - f0[i]!) / scale[i]!) / h0;
  const h1 =
    d1 <= 1e-15 && d2 <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : (0.01 / Math.max(d1, d2)) ** 0.2;
  return Math.min(100 * h0, h1, span);
}
