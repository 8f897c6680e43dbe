import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy, readNpy, writeNpy } from './npy.ts';

const FIXTURES = join(import.meta.dirname, '__fixtures__');

describe('npy', () => {
  it('writes byte for byte what numpy.save writes', async () => {
    const data = Float32Array.from({ length: 12 }, (_, i) => (i - 5.5) / 4);
    const expected = await readFile(join(FIXTURES, 'f4-2x1x2x3.npy'));
    expect(encodeNpy(data, [2, 1, 2, 3]).equals(expected)).toBe(true);
    const vector = await readFile(join(FIXTURES, 'f4-vector.npy'));
    expect(encodeNpy(Float32Array.of(1.5, -2, 0.25), [3]).equals(vector)).toBe(true);
  });

  it('reads numpy float32, float64 and uint8 files', async () => {
    const f4 = await readNpy(join(FIXTURES, 'f4-2x1x2x3.npy'));
    expect(f4.dtype).toBe('float32');
    expect(f4.shape).toEqual([2, 1, 2, 3]);
    expect(Array.from(f4.data)).toEqual(Array.from({ length: 12 }, (_, i) => (i - 5.5) / 4));
    const f8 = await readNpy(join(FIXTURES, 'f8-2x2.npy'));
    expect(f8).toEqual({
      dtype: 'float64',
      shape: [2, 2],
      data: Float64Array.of(0.1, 0.2, 0.3, 1e300),
    });
    const u1 = await readNpy(join(FIXTURES, 'u1-3x2.npy'));
    expect(u1).toEqual({
      dtype: 'uint8',
      shape: [3, 2],
      data: Uint8Array.of(0, 1, 127, 128, 254, 255),
    });
  });

  it('round-trips through a file, from a view into a larger buffer', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'npy-'));
    const whole = Float32Array.from({ length: 10 }, (_, i) => i * 0.5);
    await writeNpy(join(dir, 'a.npy'), whole.subarray(3, 9), [3, 2]);
    const back = await readNpy(join(dir, 'a.npy'));
    expect(back.shape).toEqual([3, 2]);
    expect(Array.from(back.data)).toEqual([1.5, 2, 2.5, 3, 3.5, 4]);
  });

  it('aligns the data to 64 bytes', () => {
    for (const shape of [[1], [7, 3], [100, 1, 28, 28]]) {
      const size = shape.reduce((a, b) => a * b, 1);
      const bytes = encodeNpy(new Float32Array(size), shape);
      expect((bytes.length - size * 4) % 64).toBe(0);
    }
  });

  it('explains what it cannot read', () => {
    expect(() => encodeNpy(new Float32Array(5), [2, 3])).toThrow(/needs 6 values, got 5/);
    expect(() => decodeNpy(Buffer.from('hello world'), 'x.npy')).toThrow(/x.npy: not a .npy file/);
    const f64be = encodeNpy(new Float32Array(2), [2]);
    f64be.write("'>f8'", f64be.indexOf("'<f4'"), 'latin1');
    expect(() => decodeNpy(f64be, 'y.npy')).toThrow(/y.npy: dtype >f8 is not supported/);
    const truncated = encodeNpy(new Float32Array(4), [4]).subarray(0, -1);
    expect(() => decodeNpy(truncated, 'z.npy')).toThrow(/z.npy: truncated/);
  });
});
