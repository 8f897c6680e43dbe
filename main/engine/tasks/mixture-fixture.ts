import { readFileSync } from 'node:fs';
import type { GaussianRng } from '../rng.ts';

/**
 * Test support: the ONNX mixture fixtures of models/analytic/make_mixture_models.py and the float64
 * closed forms of their Gaussian mixture (models/analytic/mixture.py), which the tasks' results are
 * checked against.
 */
export interface Mixture {
  weights: number[];
  means: number[][];
  stds: number[];
}

export function mixtureDir(name: string): string {
  return new URL(`../__fixtures__/mixtures/${name}/`, import.meta.url).pathname;
}

export function readMixture(name: string): Mixture {
  const json = JSON.parse(readFileSync(mixtureDir(name) + 'model.json', 'utf8')) as {
    mixture: Mixture;
  };
  return json.mixture;
}

/** log w_k + log N(x; m mu_k, (m^2 s_k^2 + std^2) I) for every component. */
function logJoint(mix: Mixture, x: ArrayLike<number>, m: number, std: number): number[] {
  const d = mix.means[0]!.length;
  return mix.means.map((mu, k) => {
    const v = m * m * mix.stds[k]! ** 2 + std * std;
    let sq = 0;
    for (let i = 0; i < d; i++) sq += (x[i]! - m * mu[i]!) ** 2;
    return Math.log(mix.weights[k]!) - 0.5 * d * Math.log(2 * Math.PI * v) - sq / (2 * v);
  });
}

/** log p_t(x) of the mixture perturbed by a kernel N(m x0, std^2 I). */
export function mixtureLogDensity(
  mix: Mixture,
  x: ArrayLike<number>,
  m: number,
  std: number,
): number {
  const l = logJoint(mix, x, m, std);
  const peak = Math.max(...l);
  return peak + Math.log(l.reduce((acc, v) => acc + Math.exp(v - peak), 0));
}

/** n points of p_0 and their components. */
export function sampleMixture(
  mix: Mixture,
  n: number,
  rng: GaussianRng,
): { x: Float32Array; labels: number[] } {
  const d = mix.means[0]!.length;
  const x = new Float32Array(n * d);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    let u = rng.uniform();
    let k = 0;
    while (k < mix.weights.length - 1 && u >= mix.weights[k]!) u -= mix.weights[k++]!;
    labels.push(k);
    const z = rng.normal(d);
    for (let j = 0; j < d; j++) x[i * d + j] = mix.means[k]![j]! + mix.stds[k]! * z[j]!;
  }
  return { x, labels };
}

/** Index of the component mean nearest to each of the n points. */
export function nearestComponent(mix: Mixture, x: Float32Array): number[] {
  const d = mix.means[0]!.length;
  const out: number[] = [];
  for (let i = 0; i < x.length / d; i++) {
    const dist = mix.means.map((mu) => mu.reduce((a, v, j) => a + (x[i * d + j]! - v) ** 2, 0));
    out.push(dist.indexOf(Math.min(...dist)));
  }
  return out;
}
