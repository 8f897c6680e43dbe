// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { crc32, encodeGrayPng, encodeRgbaPng } from './png';

async function inflate(data: Uint8Array): Promise<Uint8Array> {
  const s = new Blob([data as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Uint8Array(await new Response(s).arrayBuffer());
}

/** Reads back the chunks of a PNG, checking each CRC. */
function chunks(png: Uint8Array): Map<string, Uint8Array> {
  const view = new DataView(png.buffer, png.byteOffset);
  const out = new Map<string, Uint8Array>();
  let o = 8;
  while (o < png.length) {
    const len = view.getUint32(o);
    const type = String.fromCharCode(...png.subarray(o + 4, o + 8));
    const crc = (crc32(png.subarray(o + 4, o + 8 + len)) ^ 0xffffffff) >>> 0;
    expect(view.getUint32(o + 8 + len)).toBe(crc);
    out.set(type, png.slice(o + 8, o + 8 + len));
    o += 12 + len;
  }
  return out;
}

describe('png', () => {
  it('has the standard CRC-32', () => {
    const bytes = new TextEncoder().encode('123456789');
    expect((crc32(bytes) ^ 0xffffffff) >>> 0).toBe(0xcbf43926);
  });

  it('writes grayscale pixels that inflate back to the filtered rows', async () => {
    const gray = new Uint8Array([0, 255, 128, 7, 9, 1]);
    const png = await encodeGrayPng(gray, 3, 2);
    expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    const c = chunks(png);
    const ihdr = new DataView(c.get('IHDR')!.buffer);
    expect([ihdr.getUint32(0), ihdr.getUint32(4), ihdr.getUint8(8), ihdr.getUint8(9)]).toEqual([
      3, 2, 8, 0,
    ]);
    expect(Array.from(await inflate(c.get('IDAT')!))).toEqual([0, 0, 255, 128, 0, 7, 9, 1]);
    expect(c.has('IEND')).toBe(true);
  });

  it('writes RGBA and rejects a wrong pixel count', async () => {
    const png = await encodeRgbaPng(new Uint8Array(8).fill(200), 2, 1);
    expect(chunks(png).get('IHDR')![9]).toBe(6);
    await expect(encodeRgbaPng(new Uint8Array(3), 2, 1)).rejects.toThrow(/expected 8 bytes/);
  });
});
