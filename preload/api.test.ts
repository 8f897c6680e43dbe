import { describe, expect, it } from 'vitest';
import {
  API_METHODS,
  API_METHOD_NAMES,
  appEventSchema,
  describeIssues,
  jobRequestSchema,
  LIMITS,
  openImageArgSchema,
} from './api.ts';
import {
  decodeMessage,
  encodeMessage,
  fromBase64,
  portableFromBase64,
  portableToBase64,
  toBase64,
} from './ws-codec.ts';
import { apiUrlFromLocation } from './ws-client.ts';

const spec = {};

describe('API contract schemas', () => {
  it('has exactly the methods named in channels.ts', () => {
    expect(Object.keys(API_METHODS).sort()).toEqual([...API_METHOD_NAMES].sort());
  });

  it('accepts every kind of job request and fills the sampler defaults', () => {
    const good = [
      { kind: 'generate', modelId: 'm', n: 1, seed: 0, spec },
      {
        kind: 'generate',
        modelId: 'm',
        n: 16,
        seed: 2 ** 40,
        spec: { sampler: 'pc', steps: 500 },
        classLabel: 'shoe',
        guidance: 2,
      },
      {
        kind: 'inpaint',
        docId: 'd',
        maskPng: new Uint8Array(10),
        modelId: 'm',
        n: 4,
        seed: 1,
        spec,
        margin: 64,
        feather: 8,
      },
      { kind: 'colorize', docId: 'd', modelId: 'm', n: 2, seed: 1, spec },
      {
        kind: 'interpolate',
        modelId: 'm',
        ends: { seeds: [1, 2] },
        frames: 8,
        spec: { sampler: 'ode' },
      },
      { kind: 'interpolate', modelId: 'm', ends: { docIds: ['a', 'b'] }, frames: 64, spec },
    ];
    for (const request of good) {
      const parsed = jobRequestSchema.safeParse(request);
      expect(parsed.success, JSON.stringify(request)).toBe(true);
      expect(parsed.data?.spec.sampler).toBeDefined();
    }
  });

  it('refuses requests out of bounds or of the wrong shape', () => {
    const bad = [
      { kind: 'generate', modelId: 'm', n: LIMITS.maxN + 1, seed: 0, spec },
      { kind: 'generate', modelId: 'm', n: 0, seed: 0, spec },
      { kind: 'generate', modelId: 'm', n: 1, seed: -1, spec },
      { kind: 'generate', modelId: 'm', n: 1.5, seed: 0, spec },
      { kind: 'generate', modelId: '', n: 1, seed: 0, spec },
      { kind: 'generate', modelId: 'm', n: 1, seed: 0, spec: { sampler: 'magic' } },
      { kind: 'generate', modelId: 'm', n: 1, seed: 0, spec, guidance: 1e6 },
      { kind: 'inpaint', docId: 'd', maskPng: 'not bytes', modelId: 'm', n: 1, seed: 0, spec },
      {
        kind: 'inpaint',
        docId: 'd',
        maskPng: new Uint8Array(LIMITS.maxMaskBytes + 1),
        modelId: 'm',
        n: 1,
        seed: 0,
        spec,
      },
      { kind: 'interpolate', modelId: 'm', ends: { seeds: [1] }, frames: 8, spec },
      {
        kind: 'interpolate',
        modelId: 'm',
        ends: { seeds: [1, 2], docIds: ['a', 'b'] },
        frames: 8,
        spec,
      },
      {
        kind: 'interpolate',
        modelId: 'm',
        ends: { seeds: [1, 2] },
        frames: LIMITS.maxFrames + 1,
        spec,
      },
      { kind: 'erase', modelId: 'm' },
      null,
    ];
    for (const [i, request] of bad.entries()) {
      expect(jobRequestSchema.safeParse(request).success, `bad request ${i}`).toBe(false);
    }
  });

  it('takes an image as a path or as named bytes, not both', () => {
    expect(openImageArgSchema.safeParse({ path: '/a.png' }).success).toBe(true);
    expect(openImageArgSchema.safeParse({ bytes: Buffer.from('x'), name: 'a.png' }).success).toBe(
      true,
    );
    expect(openImageArgSchema.safeParse({ bytes: new Uint8Array(1) }).success).toBe(false);
    expect(openImageArgSchema.safeParse({ path: '/a.png', name: 'a.png' }).success).toBe(false);
    expect(openImageArgSchema.safeParse({ bytes: new Uint16Array(1), name: 'a' }).success).toBe(
      false,
    );
  });

  it('checks events', () => {
    const good = [
      {
        type: 'progress',
        jobId: 'j',
        step: 3,
        total: 20,
        fraction: 0.15,
        etaSeconds: 1.2,
        previewPng: new Uint8Array(4),
      },
      { type: 'progress', jobId: 'j', step: 0, total: null, fraction: 0, etaSeconds: null },
      {
        type: 'done',
        jobId: 'j',
        results: [{ png: new Uint8Array(4), width: 28, height: 28 }],
        nfe: 20,
        seconds: 0.4,
      },
      { type: 'error', jobId: 'j', message: 'boom' },
      { type: 'cancelled', jobId: 'j' },
      { type: 'engine', status: 'restarted', message: 'restarted', provider: 'cpu' },
      { type: 'menu', command: 'zoom-fit' },
      { type: 'models-changed' },
    ];
    for (const e of good) expect(appEventSchema.safeParse(e).success, JSON.stringify(e)).toBe(true);
    const bad = [
      { type: 'progress', jobId: 'j', step: 1, total: 2, fraction: 1.5, etaSeconds: 0 },
      {
        type: 'done',
        jobId: 'j',
        results: [{ png: 'x', width: 1, height: 1 }],
        nfe: 1,
        seconds: 0,
      },
      { type: 'engine', status: 'exploded', message: '' },
      { type: 'menu', command: 'format-disk' },
      { type: 'nope' },
    ];
    for (const e of bad) expect(appEventSchema.safeParse(e).success, JSON.stringify(e)).toBe(false);
  });

  it('describes the first problem by its field', () => {
    const parsed = jobRequestSchema.safeParse({
      kind: 'generate',
      modelId: 'm',
      n: 99,
      seed: 0,
      spec,
    });
    expect(describeIssues(parsed.error!)).toMatch(/^n: /);
  });
});

describe('WebSocket codec', () => {
  it('round-trips bytes nested anywhere, Buffers included', () => {
    const bytes = Uint8Array.from({ length: 33_000 }, (_, i) => (i * 7) % 256);
    const message = {
      id: 3,
      arg: { a: [bytes, { b: Buffer.from([1, 2, 3]) }], c: 'text', d: null },
    };
    const decoded = decodeMessage(encodeMessage(message)) as typeof message;
    expect(Buffer.compare(decoded.arg.a[0] as Uint8Array, bytes)).toBe(0);
    expect(decoded.arg.a[1]).toEqual({ b: new Uint8Array([1, 2, 3]) });
    expect(decoded.arg.c).toBe('text');
    expect(fromBase64(toBase64(new Uint8Array()))).toEqual(new Uint8Array());
    expect(JSON.parse(encodeMessage({ x: new Uint8Array([255]) }))).toEqual({
      x: { $bytes: '/w==' },
    });
  });

  it('encodes base64 the same way in the browser as in Node', () => {
    const bytes = Uint8Array.from({ length: 33_000 }, (_, i) => (i * 13) % 256);
    expect(portableToBase64(bytes)).toBe(toBase64(bytes));
    expect(Buffer.compare(portableFromBase64(toBase64(bytes)), bytes)).toBe(0);
  });

  it('leaves objects that only look similar alone', () => {
    expect(decodeMessage('{"$bytes": 5}')).toEqual({ $bytes: 5 });
    expect(decodeMessage('{"$bytes": "AA==", "other": 1}')).toEqual({ $bytes: 'AA==', other: 1 });
  });

  it('derives the API address from the page address', () => {
    expect(
      apiUrlFromLocation({ protocol: 'http:', host: '127.0.0.1:5000', search: '?token=a+b/c' }),
    ).toBe('ws://127.0.0.1:5000/api?token=a%20b%2Fc');
  });
});
