import { describe, expect, it } from 'vitest';
import { batchGroups, rk45 } from './rk45.ts';

describe('rk45', () => {
  it('solves a linear system to tolerance, forwards and backwards', async () => {
    // y1' = y2, y2' = -y1: a rotation with exact solution (cos t, -sin t) from (1, 0).
    const f = async (_t: number, y: Float64Array) => Float64Array.from([y[1]!, -y[0]!]);
    const fwd = await rk45(f, Float64Array.from([1, 0]), 0, 5, { rtol: 1e-8, atol: 1e-10 });
    expect(fwd.y[0]).toBeCloseTo(Math.cos(5), 6);
    expect(fwd.y[1]).toBeCloseTo(-Math.sin(5), 6);
    const back = await rk45(f, fwd.y, 5, 0, { rtol: 1e-8, atol: 1e-10 });
    expect(back.y[0]).toBeCloseTo(1, 6);
    expect(back.y[1]).toBeCloseTo(0, 6);
  });

  it('spends fewer evaluations at looser tolerances', async () => {
    const f = async (t: number, y: Float64Array) => y.map((v) => -2 * t * v);
    const tight = await rk45(f, Float64Array.from([1]), 0, 3, { rtol: 1e-9, atol: 1e-9 });
    const loose = await rk45(f, Float64Array.from([1]), 0, 3, { rtol: 1e-3, atol: 1e-3 });
    expect(tight.y[0]).toBeCloseTo(Math.exp(-9), 8);
    expect(loose.nfe).toBeLessThan(tight.nfe);
    expect(Math.abs(loose.y[0]! - Math.exp(-9))).toBeLessThan(1e-3);
  });

  it('rejects steps on a stiff start and still converges', async () => {
    const f = async (_t: number, y: Float64Array) => y.map((v) => -50 * (v - 1));
    const r = await rk45(f, Float64Array.from([0]), 0, 1, { rtol: 1e-6, atol: 1e-9 });
    expect(r.y[0]).toBeCloseTo(1, 6);
    expect(r.accepted).toBeGreaterThan(0);
  });

  it('stops on abort and on non-finite derivatives', async () => {
    const ac = new AbortController();
    let calls = 0;
    const f = async (_t: number, y: Float64Array) => {
      if (++calls === 5) ac.abort();
      return y.map((v) => -v);
    };
    await expect(
      rk45(f, Float64Array.from([1]), 0, 10, { rtol: 1e-8, atol: 1e-8, signal: ac.signal }),
    ).rejects.toThrow(/cancelled/);
    expect(calls).toBe(5);
    const bad = async () => Float64Array.from([NaN]);
    await expect(
      rk45(bad, Float64Array.from([1]), 0, 1, { rtol: 1e-3, atol: 1e-3 }),
    ).rejects.toThrow(/not finite/);
  });
});

describe('rk45 on a batch of independent systems', () => {
  it('holds every item to the tolerance, not just the batch average', async () => {
    // 63 slow items and one fast one: one RMS over all 64 averages the fast item's error away.
    const rates = Float64Array.from({ length: 64 }, (_, i) => (i === 0 ? 40 : 0.1));
    const f = async (_t: number, y: Float64Array) => y.map((v, i) => -rates[i]! * v);
    const y0 = new Float64Array(64).fill(1);
    const o = { rtol: 1e-4, atol: 1e-4 };
    const pooled = await rk45(f, y0, 0, 1, o);
    const grouped = await rk45(f, y0, 0, 1, { ...o, groups: batchGroups(64, 1) });
    const error = (y: Float64Array) => Math.abs(y[0]! - Math.exp(-40));
    expect(error(grouped.y)).toBeLessThan(1e-4);
    expect(error(grouped.y)).toBeLessThan(error(pooled.y));
    expect(grouped.nfe).toBeGreaterThan(pooled.nfe);
  });
});
