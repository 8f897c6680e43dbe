// Runs an ONNX model with onnxruntime-node on .npy inputs and writes every output as .npy.
// Python has no onnxruntime here, so export-parity tests call this script.
// Usage: node ort_run.mjs MODEL.onnx OUT_DIR NAME=INPUT.npy [NAME=INPUT.npy ...]
// Writes OUT_DIR/<output name>.npy (little-endian, C order). Supports float32 and int64.
import { Buffer } from 'node:buffer';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(join(repoRoot, 'package.json'));
const ort = require('onnxruntime-node');

const DTYPES = {
  '<f4': { type: 'float32', Array: Float32Array },
  '<i8': { type: 'int64', Array: BigInt64Array },
};

function readNpy(path) {
  const buf = readFileSync(path);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const headerStart = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', headerStart, headerStart + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  if (/'fortran_order':\s*True/.test(header)) {
    throw new Error(`${path}: Fortran order is not supported`);
  }
  const shape = /'shape':\s*\(([^)]*)\)/
    .exec(header)[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const dtype = DTYPES[descr];
  if (!dtype) throw new Error(`${path}: unsupported dtype ${descr}`);
  const start = headerStart + headerLen;
  const bytes = buf.subarray(start);
  // Copy into a fresh, aligned buffer: typed arrays need offsets aligned to the element size.
  const aligned = new Uint8Array(bytes.length);
  aligned.set(bytes);
  const data = new dtype.Array(aligned.buffer);
  return new ort.Tensor(dtype.type, data, shape);
}

function writeNpy(path, tensor) {
  const descr = Object.keys(DTYPES).find((key) => DTYPES[key].type === tensor.type);
  if (!descr) throw new Error(`output type ${tensor.type} is not supported`);
  const shape = tensor.dims.length === 1 ? `${tensor.dims[0]},` : tensor.dims.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape}), }`;
  // Pad so the data starts on a 64-byte boundary, as numpy does.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  const data = tensor.data;
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  writeFileSync(path, Buffer.concat([prefix, Buffer.from(header, 'latin1'), body]));
}

const [modelPath, outDir, ...pairs] = process.argv.slice(2);
if (!modelPath || !outDir || pairs.length === 0) {
  console.error('usage: node ort_run.mjs MODEL.onnx OUT_DIR NAME=INPUT.npy ...');
  process.exit(2);
}
const feeds = {};
for (const pair of pairs) {
  const eq = pair.indexOf('=');
  feeds[pair.slice(0, eq)] = readNpy(pair.slice(eq + 1));
}
const session = await ort.InferenceSession.create(modelPath);
const results = await session.run(feeds);
for (const [name, tensor] of Object.entries(results)) {
  writeNpy(join(outDir, `${name}.npy`), tensor);
}
