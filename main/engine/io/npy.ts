import { readFile, writeFile } from 'node:fs/promises';

/**
 * NumPy .npy files (format 1.0 written; 1.0 to 3.0 read), C order, little-endian. Every platform
 * the app ships on is little-endian, so typed arrays map to the bytes without swapping.
 */
export type NpyArray =
  | { dtype: 'float32'; shape: number[]; data: Float32Array }
  | { dtype: 'float64'; shape: number[]; data: Float64Array }
  | { dtype: 'uint8'; shape: number[]; data: Uint8Array };

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const DESCR = { float32: '<f4', float64: '<f8', uint8: '|u1' } as const;
/** NumPy pads the header so the data starts on a 64-byte boundary. */
const ALIGN = 64;

export function encodeNpy(data: Float32Array, shape: readonly number[]): Buffer {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) {
    throw new Error(`npy: shape [${shape.join(', ')}] needs ${size} values, got ${data.length}`);
  }
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${DESCR.float32}', 'fortran_order': False, 'shape': (${dims}), }`;
  const unpadded = MAGIC.length + 2 + 2 + header.length + 1;
  header += ' '.repeat((ALIGN - (unpadded % ALIGN)) % ALIGN) + '\n';
  const preamble = Buffer.alloc(MAGIC.length + 4);
  MAGIC.copy(preamble);
  preamble[6] = 1;
  preamble[7] = 0;
  preamble.writeUInt16LE(header.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.concat([preamble, Buffer.from(header, 'latin1'), body]);
}

export function decodeNpy(bytes: Uint8Array, source = 'npy'): NpyArray {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) {
    throw new Error(`${source}: not a .npy file (no \\x93NUMPY magic)`);
  }
  const major = buf[6]!;
  if (major < 1 || major > 3) throw new Error(`${source}: unsupported .npy version ${major}`);
  const lengthBytes = major === 1 ? 2 : 4;
  const headerLength = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = 8 + lengthBytes + headerLength;
  const header = buf.subarray(8 + lengthBytes, start).toString(major === 3 ? 'utf8' : 'latin1');

  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new Error(`${source}: unreadable .npy header ${JSON.stringify(header.trim())}`);
  }
  if (fortran === 'True') throw new Error(`${source}: Fortran-ordered arrays are not supported`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new Error(`${source}: bad shape (${shapeText})`);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  const dtype = (Object.keys(DESCR) as (keyof typeof DESCR)[]).find(
    (k) => DESCR[k] === descr || (k === 'uint8' && descr === '<u1'),
  );
  if (!dtype)
    throw new Error(`${source}: dtype ${descr} is not supported (float32, float64, uint8)`);
  const itemBytes = dtype === 'float32' ? 4 : dtype === 'float64' ? 8 : 1;
  if (buf.length - start < size * itemBytes) {
    throw new Error(
      `${source}: truncated, shape (${shapeText}) needs ${size * itemBytes} data bytes`,
    );
  }
  // A copy: the data offset in the file need not suit the typed array's alignment.
  const raw = new Uint8Array(buf.subarray(start, start + size * itemBytes)).buffer;
  switch (dtype) {
    case 'float32':
      return { dtype, shape, data: new Float32Array(raw) };
    case 'float64':
      return { dtype, shape, data: new Float64Array(raw) };
    case 'uint8':
      return { dtype, shape, data: new Uint8Array(raw) };
  }
}

export async function writeNpy(
  path: string,
  data: Float32Array,
  shape: readonly number[],
): Promise<void> {
  await writeFile(path, encodeNpy(data, shape));
}

export async function readNpy(path: string): Promise<NpyArray> {
  return decodeNpy(await readFile(path), path);
}
