import { join } from 'node:path';
import { listSupportedBackends } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { defaultProviders, openSession, PROVIDERS } from './onnx-session.ts';

const SCORE = join(import.meta.dirname, '__fixtures__', 'score.onnx');

describe('defaultProviders', () => {
  it('tries the platform GPU first and the CPU last', () => {
    expect(defaultProviders('linux')).toEqual(['cuda', 'cpu']);
    expect(defaultProviders('win32')).toEqual(['dml', 'cpu']);
    expect(defaultProviders('darwin')).toEqual(['coreml', 'cpu']);
    expect(defaultProviders('freebsd')).toEqual(['cpu']);
  });
});

describe('openSession', () => {
  it('opens on the CPU without notes when asked for it', async () => {
    const { session, provider, notes } = await openSession(SCORE, {
      providers: ['cpu'],
      threads: 1,
    });
    expect(provider).toBe('cpu');
    expect(notes).toEqual([]);
    expect(session.inputNames).toEqual(['x', 't']);
    await session.release();
  });

  const built = new Set(listSupportedBackends().map((b) => b.name));
  const missing = PROVIDERS.find((p) => !built.has(p));
  it.runIf(missing)('falls back to the CPU, saying why and what runs', async () => {
    const { session, provider, notes } = await openSession(SCORE, { providers: [missing!] });
    expect(provider).toBe('cpu');
    expect(notes).toEqual([
      `${missing} is not part of this onnxruntime build; trying cpu`,
      'running on cpu',
    ]);
    await session.release();
  });

  it('names the file when no provider can load it', async () => {
    const notOnnx = join(import.meta.dirname, '__fixtures__', 'make_fixtures.py');
    await expect(openSession(notOnnx, { providers: ['cpu'] })).rejects.toThrow(
      /^cannot load .*make_fixtures.py: .*Protobuf parsing failed/,
    );
  });
});
