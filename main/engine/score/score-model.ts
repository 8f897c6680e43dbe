import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Tensor as OrtTensor, type InferenceSession } from 'onnxruntime-node';
import { sdeFromParams } from '../sde/params.ts';
import type { Sde } from '../sde/sde.ts';
import type { ScoreFn } from '../samplers/types.ts';
import type { Tensor } from '../tensor.ts';
import { readManifest, type Manifest } from './manifest.ts';
import { openSession, type ProviderName, type SessionOptions } from './onnx-session.ts';

export interface LoadOptions extends SessionOptions {
  /** Largest batch handed to one `session.run`; larger batches are split. Default 64. */
  maxBatch?: number;
}

export interface ScoreModel {
  readonly dir: string;
  readonly manifest: Manifest;
  readonly sde: Sde;
  /** [C, H, W] of one image. */
  readonly shape: readonly [number, number, number];
  /** The execution provider the score network runs on. */
  readonly provider: ProviderName;
  /** Provider fallbacks that happened while loading, one line each. */
  readonly notes: readonly string[];
  /** grad_x log p_t(x), whatever the network predicts. */
  readonly score: ScoreFn;
  /** grad_x log p_t(y | x) per item, present when the model folder has a classifier. */
  readonly classifierGrad?: (x: Tensor, t: number, y: readonly number[]) => Promise<Float32Array>;
  /** Calls of `score` since loading (the test batch excluded): the network evaluations. */
  readonly evaluations: number;
  /** Milliseconds spent inside the score network's `session.run` by those calls. */
  readonly networkMs: number;
  dispose(): Promise<void>;
}

/**
 * Loads and checks a model folder: manifest, files, the ONNX graphs' names, types and shapes
 * against the manifest, and a finite output on a small test batch, so that a broken folder fails
 * here with a message naming the problem instead of in the middle of a sampling run.
 */
export async function loadModel(dir: string, options: LoadOptions = {}): Promise<ScoreModel> {
  const root = resolve(dir);
  const manifest = await readManifest(root);
  const { channels, height, width } = manifest.image;
  const shape = [channels, height, width] as const;
  const maxBatch = options.maxBatch ?? 64;
  if (!Number.isInteger(maxBatch) || maxBatch < 1) {
    throw new Error(`maxBatch must be a positive integer, got ${maxBatch}`);
  }
  const scorePath = await existingFile(root, manifest.score.file, 'score.file');
  const classifierPath = manifest.classifier
    ? await existingFile(root, manifest.classifier.file, 'classifier.file')
    : undefined;
  const sde = sdeFromParams(manifest.sde);

  const opened = await openSession(scorePath, options);
  const sessions: InferenceSession[] = [opened.session];
  try {
    const file = manifest.score.file;
    checkSignature(opened.session, file, shape, {
      inputs: { x: ['float32', 4], t: ['float32', 1] },
      outputs: { score: ['float32', 4] },
    });
    let networkMs = 0;
    const scoreRun = chunked(maxBatch, async (x, t) => {
      const feeds = { x: imageFeed(x), t: timeFeed(x.shape[0], t) };
      const start = performance.now();
      const out = await opened.session.run(feeds);
      networkMs += performance.now() - start;
      return outputData(out, 'score', file);
    });
    const toScore: ScoreFn =
      manifest.score.predicts === 'noise'
        ? async (x, t) => {
            // The network predicts the noise eps of x_t = mean x_0 + std eps; score = -eps / std.
            const eps = await scoreRun(x, t);
            const c = -1 / sde.marginal(t).std;
            for (let i = 0; i < eps.length; i++) eps[i] = c * eps[i]!;
            return eps;
          }
        : scoreRun;
    await checkFinite(file, shape, sde, toScore);

    const notes = [...opened.notes];
    let classifierGrad: ScoreModel['classifierGrad'];
    if (manifest.classifier && classifierPath) {
      const { file: cfile, labels } = manifest.classifier;
      const classifier = await openSession(classifierPath, {
        ...options,
        providers: [opened.provider],
      });
      sessions.push(classifier.session);
      notes.push(...classifier.notes.map((n) => `${cfile}: ${n}`));
      checkSignature(classifier.session, cfile, shape, {
        inputs: { x: ['float32', 4], t: ['float32', 1], y: ['int64', 1] },
        outputs: { logits: ['float32', 2], grad: ['float32', 4] },
      });
      checkDim(classifier.session.outputMetadata, 'logits', 1, labels.length, cfile, 'labels');
      classifierGrad = async (x, t, y) => {
        if (y.length !== x.shape[0]) {
          throw new Error(`classifierGrad: ${y.length} labels for a batch of ${x.shape[0]}`);
        }
        for (const label of y) {
          if (!Number.isInteger(label) || label < 0 || label >= labels.length) {
            throw new Error(`classifierGrad: label ${label} is not in 0..${labels.length - 1}`);
          }
        }
        const run = chunked(maxBatch, async (part, tt, offset) => {
          const ys = BigInt64Array.from(y.slice(offset, offset + part.shape[0]), BigInt);
          const out = await classifier.session.run({
            x: imageFeed(part),
            t: timeFeed(part.shape[0], tt),
            y: new OrtTensor('int64', ys, [ys.length]),
          });
          return outputData(out, 'grad', cfile);
        });
        return run(x, t);
      };
      await checkFinite(cfile, shape, sde, (x, t) => classifierGrad!(x, t, [0, labels.length - 1]));
    }

    let evaluations = 0;
    networkMs = 0;
    return {
      dir: root,
      manifest,
      sde,
      shape,
      provider: opened.provider,
      notes,
      score: (x, t) => {
        evaluations++;
        return toScore(x, t);
      },
      ...(classifierGrad ? { classifierGrad } : {}),
      get evaluations() {
        return evaluations;
      },
      get networkMs() {
        return networkMs;
      },
      async dispose() {
        await Promise.all(sessions.map((s) => s.release()));
      },
    };
  } catch (e) {
    await Promise.all(sessions.map((s) => s.release()));
    throw e;
  }
}

async function existingFile(root: string, file: string, field: string): Promise<string> {
  const path = join(root, file);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new Error(`missing file: ${path} (model.json ${field})`);
  return path;
}

type Signature = Record<string, readonly [type: string, rank: number]>;

/** Names, element types and ranks of the graph's inputs and outputs; image dims against C,H,W. */
function checkSignature(
  session: InferenceSession,
  file: string,
  [c, h, w]: readonly [number, number, number],
  expected: { inputs: Signature; outputs: Signature },
): void {
  const sides = [
    ['input', session.inputMetadata, expected.inputs],
    ['output', session.outputMetadata, expected.outputs],
  ] as const;
  for (const [side, metadata, wanted] of sides) {
    const names = metadata.map((m) => m.name);
    const missing = Object.keys(wanted).filter((n) => !names.includes(n));
    if (missing.length > 0) {
      throw new Error(
        `${file}: expected ${side}s ${Object.keys(wanted).join(', ')}, the graph has ` +
          `${names.join(', ') || 'none'} (missing ${missing.join(', ')})`,
      );
    }
    for (const [name, [type, rank]] of Object.entries(wanted)) {
      const m = metadata.find((v) => v.name === name)!;
      if (!m.isTensor || m.type !== type) {
        throw new Error(
          `${file}: ${side} ${name} must be a ${type} tensor, it is ${m.isTensor ? m.type : 'no tensor'}`,
        );
      }
      if (m.shape.length !== rank) {
        throw new Error(
          `${file}: ${side} ${name} must have ${rank} dimensions, it has [${m.shape.join(', ')}]`,
        );
      }
      if (typeof m.shape[0] === 'number') {
        // A symbolic name is the dynamic batch; the sampler's batch size is the user's choice.
        throw new Error(
          `${file}: ${side} ${name} has a fixed batch size ${m.shape[0]}, expected a dynamic one`,
        );
      }
      if (rank === 4) {
        for (const [axis, size, what] of [
          [1, c, 'image.channels'],
          [2, h, 'image.height'],
          [3, w, 'image.width'],
        ] as const) {
          checkDim(metadata, name, axis, size, file, what);
        }
      }
    }
  }
}

/** A declared numeric size must match; a symbolic (dynamic) one is accepted and checked at run time. */
function checkDim(
  metadata: readonly InferenceSession.ValueMetadata[],
  name: string,
  axis: number,
  size: number,
  file: string,
  field: string,
): void {
  const m = metadata.find((v) => v.name === name);
  const declared = m?.isTensor ? m.shape[axis] : undefined;
  if (typeof declared === 'number' && declared !== size) {
    throw new Error(
      `${file}: ${name} has ${declared} at axis ${axis}, model.json ${field} says ${size} ` +
        `(shape [${(m as InferenceSession.TensorValueMetadata).shape.join(', ')}])`,
    );
  }
}

/** Runs a two-item batch at both ends of the time range; the result must have the image's size and be finite. */
async function checkFinite(
  file: string,
  [c, h, w]: readonly [number, number, number],
  sde: Sde,
  run: (x: Tensor, t: number) => Promise<Float32Array>,
): Promise<void> {
  const size = c * h * w;
  const data = new Float32Array(2 * size);
  // A smooth, deterministic test image: the same check on every machine.
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(0.37 * i);
  const x: Tensor = { data, shape: [2, c, h, w] };
  for (const t of [sde.eps, sde.T]) {
    let out: Float32Array;
    try {
      out = await run(x, t);
    } catch (e) {
      throw new Error(
        `${file}: the test batch failed at t=${t}: ${(e as Error).message.split('\n')[0]}`,
      );
    }
    if (out.length !== data.length) {
      throw new Error(
        `${file}: the test batch gave ${out.length} values, expected 2x${c}x${h}x${w}`,
      );
    }
    const bad = out.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0)
      throw new Error(`${file}: non-finite output (${out[bad]}) on the test batch at t=${t}`);
  }
}

/** Splits the batch into runs of at most `maxBatch` items and concatenates their outputs. */
function chunked(
  maxBatch: number,
  run: (x: Tensor, t: number, offset: number) => Promise<Float32Array>,
): (x: Tensor, t: number) => Promise<Float32Array> {
  return async (x, t) => {
    const [b, c, h, w] = x.shape;
    if (b <= maxBatch) return run(x, t, 0);
    const size = c * h * w;
    const out = new Float32Array(x.data.length);
    for (let start = 0; start < b; start += maxBatch) {
      const n = Math.min(maxBatch, b - start);
      const part: Tensor = {
        data: x.data.subarray(start * size, (start + n) * size),
        shape: [n, c, h, w],
      };
      out.set(await run(part, t, start), start * size);
    }
    return out;
  };
}

function imageFeed(x: Tensor): OrtTensor {
  return new OrtTensor('float32', x.data, [...x.shape]);
}

function timeFeed(batch: number, t: number): OrtTensor {
  return new OrtTensor('float32', new Float32Array(batch).fill(t), [batch]);
}

function outputData(out: InferenceSession.ReturnType, name: string, file: string): Float32Array {
  const value = out[name];
  if (!value || !(value.data instanceof Float32Array))
    throw new Error(`${file}: no float32 output ${name}`);
  return value.data;
}
