import { describe, expect, it } from 'vitest';
import { toDecoupled } from './color.ts';
import { makeImage } from './image.ts';
import { convertChannels, fromModelTensor, luminance, toModelTensor } from './tensorize.ts';

describe('image <-> model tensor', () => {
  it('maps [0,1] to the model range at the model size, and back', () => {
    const w = 64;
    const h = 48;
    const data = new Float32Array(3 * w * h);
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < w * h; i++) data[c * w * h + i] = c / 2;
    }
    const x = toModelTensor(makeImage(w, h, 3, data), [3, 16, 16]);
    expect(x.shape).toEqual([1, 3, 16, 16]);
    expect(x.data[0]).toBeCloseTo(-1, 6);
    expect(x.data[256]).toBeCloseTo(0, 6);
    expect(x.data[512]).toBeCloseTo(1, 6);
    const back = fromModelTensor(x, 0, { width: w, height: h });
    expect([back.width, back.height, back.channels]).toEqual([w, h, 3]);
    back.data.forEach((v, i) => expect(v).toBeCloseTo(data[i]!, 5));
    const other = toModelTensor(makeImage(w, h, 3, data), [3, 8, 8], [0, 255]);
    expect(other.data[128]).toBeCloseTo(255, 3);
  });

  it('converts gray and colour: 1 -> 3 replicates, 3 -> 1 is the decoupled luminance', () => {
    const rgb = Float32Array.from([0.1, 0.9, 0.3, 0.6, 0.2, 0.0]);
    const gray = convertChannels(rgb, 3, 1, 2);
    const d0 = toDecoupled(rgb, 2);
    expect(gray[0]).toBeCloseTo(d0[0]! / Math.sqrt(3), 6);
    expect(gray[1]).toBeCloseTo(d0[1]! / Math.sqrt(3), 6);
    expect([...luminance(rgb, 2)]).toEqual([...gray]);
    expect([...convertChannels(Float32Array.from([0.5, 0.25]), 1, 3, 2)]).toEqual([
      0.5, 0.25, 0.5, 0.25, 0.5, 0.25,
    ]);
    expect(() => convertChannels(new Float32Array(4), 2, 3, 2)).toThrow(
      /cannot convert 2 channels/,
    );
    const x = toModelTensor(makeImage(4, 4, 1, new Float32Array(16).fill(0.75)), [3, 4, 4]);
    expect([...x.data].every((v) => Math.abs(v - 0.5) < 1e-6)).toBe(true);
  });

  it('clips out-of-range model values and turns NaN into black', () => {
    const x = { data: Float32Array.from([2, -3, NaN, 0]), shape: [1, 1, 2, 2] as const };
    expect([...fromModelTensor(x, 0).data]).toEqual([1, 0, 0, 0.5]);
    expect(() => fromModelTensor(x, 1)).toThrow(/item 1 is not in a batch of 1/);
  });
});
