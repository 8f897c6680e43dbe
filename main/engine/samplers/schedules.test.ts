import { describe, expect, it } from 'vitest';
import { SubVpSde, VeSde, VpSde } from '../sde/sde.ts';
import { SCHEDULES } from './spec.ts';
import { scaledSigma, scheduleTimes, timeAtScaledSigma } from './schedules.ts';

const sdes = [
  new VeSde(0.01, 50, 1000, 1e-5),
  new VpSde(0.1, 20, 1000, 1e-3),
  new SubVpSde(0.1, 20, 1000, 1e-3),
];

describe.each(sdes.map((s) => [s.type, s] as const))('schedules for %s', (_n, sde) => {
  it('inverts the scaled noise level', () => {
    for (const t of [sde.eps, 0.01, 0.3, 0.77, 1]) {
      expect(timeAtScaledSigma(sde, scaledSigma(sde, t))).toBeCloseTo(t, 9);
    }
  });

  it.each(SCHEDULES)('%s runs from T to eps, strictly decreasing', (name) => {
    const ts = scheduleTimes(sde, 12, name);
    expect(ts).toHaveLength(13);
    expect(ts[0]).toBe(sde.T);
    expect(ts[12]).toBe(sde.eps);
    for (let i = 1; i < ts.length; i++) expect(ts[i]!).toBeLessThan(ts[i - 1]!);
  });

  it('log-SNR steps are even in log sigma~', () => {
    const ls = scheduleTimes(sde, 8, 'logsnr').map((t) => Math.log(scaledSigma(sde, t)));
    const d = ls.slice(1).map((v, i) => v - ls[i]!);
    for (const v of d) expect(v).toBeCloseTo(d[0]!, 6);
  });
});
