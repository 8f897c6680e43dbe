// Runs an ONNX model with onnxruntime-node (the runtime the engine uses) on feeds given as JSON, so
// that Python tests can compare the analytic mixture graphs with numpy without a Python runtime.
//   stdin:  {"model": "path/to/model.onnx",
//            "feeds": {"x": {"type": "float32" | "int64", "dims": [...], "data": [...]}, ...}}
//   stdout: {"<output name>": {"dims": [...], "data": [...]}, ...}
import { readFileSync } from 'node:fs';
import ort from 'onnxruntime-node';

const arrays = {
  float32: (data) => Float32Array.from(data),
  int64: (data) => BigInt64Array.from(data, (v) => BigInt(v)),
};

const request = JSON.parse(readFileSync(0, 'utf8'));
const session = await ort.InferenceSession.create(request.model);
const feeds = {};
for (const [name, feed] of Object.entries(request.feeds)) {
  const toArray = arrays[feed.type];
  if (!toArray) throw new Error(`unsupported feed type ${feed.type} for ${name}`);
  feeds[name] = new ort.Tensor(feed.type, toArray(feed.data), feed.dims);
}
const results = await session.run(feeds);
const response = {};
for (const [name, tensor] of Object.entries(results)) {
  response[name] = { dims: tensor.dims, data: Array.from(tensor.data, Number) };
}
process.stdout.write(JSON.stringify(response));
