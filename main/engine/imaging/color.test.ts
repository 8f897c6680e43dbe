import { describe, expect, it } from 'vitest';
import { DECOUPLE, fromDecoupled, toDecoupled } from './color.ts';

describe('decoupled color space', () => {
  it('is orthogonal with a luminance first column', () => {
    for (let i = 0; i < 3; i++) {
      expect(DECOUPLE[i]![0]).toBeCloseTo(1 / Math.sqrt(3), 12);
      for (let j = 0; j < 3; j++) {
        let dot = 0;
        for (let k = 0; k < 3; k++) dot += DECOUPLE[k]![i]! * DECOUPLE[k]![j]!;
        expect(dot).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    }
  });

  it('round-trips and puts gray pixels entirely in channel 0', () => {
    const rgb = Float32Array.from([0.2, -0.5, 0.9, 0.2, 0.1, -0.3, 0.2, 0.7, 0.4]);
    const d = toDecoupled(rgb, 3);
    expect(d[0]).toBeCloseTo(0.2 * Math.sqrt(3), 6);
    expect(d[3]).toBeCloseTo(0, 6);
    expect(d[6]).toBeCloseTo(0, 6);
    const back = fromDecoupled(d, 3);
    rgb.forEach((v, i) => expect(back[i]).toBeCloseTo(v, 6));
    expect(() => toDecoupled(new Float32Array(4), 3)).toThrow(/planar RGB/);
  });
});
