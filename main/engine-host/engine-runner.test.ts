import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ROOT } from '../engine/models-dir.ts';
import { loadModel, type ScoreModel } from '../engine/score/score-model.ts';
import { EngineRunner, type LoadedModel } from './engine-runner.ts';
import type { FromEngine } from './protocol.ts';

const MIXTURE = join(APP_ROOT, 'main', 'engine', '__fixtures__', 'mixtures', 'vp');

describe('engine runner (in-process)', () => {
  let real: ScoreModel;
  beforeAll(async () => {
    real = await loadModel(MIXTURE, { providers: ['cpu'], threads: 1 });
  });
  afterAll(() => real.dispose());

  /** The real model, with a hook into each evaluation and a count of them. */
  function counted(onEvaluation: (count: number) => void): LoadedModel & { calls: () => number } {
    let calls = 0;
    return {
      sde: real.sde,
      shape: real.shape,
      manifest: real.manifest,
      provider: real.provider,
      notes: real.notes,
      dispose: async () => undefined,
      score: async (x, t) => {
        calls++;
        onEvaluation(calls);
        return real.score(x, t);
      },
      calls: () => calls,
    };
  }

  function collect(): {
    sent: FromEngine[];
    until: (p: (m: FromEngine) => boolean) => Promise<FromEngine>;
  } {
    const sent: FromEngine[] = [];
    return {
      sent,
      until: (p) =>
        new Promise((resolve) => {
          const poll = setInterval(() => {
            const found = sent.find(p);
            if (found) {
              clearInterval(poll);
              resolve(found);
            }
          }, 2);
        }),
    };
  }

  it('stops a cancelled job before its next network evaluation', async () => {
    const { sent, until } = collect();
    const cancelAt = (n: number) => {
      if (n === 5) runner.handle({ type: 'cancel', jobId: 'j' });
    };
    const model = counted((n) => cancelAt(n));
    const runner = new EngineRunner({ send: (m) => sent.push(m), load: async () => model });
    runner.handle({
      type: 'run',
      jobId: 'j',
      work: {
        kind: 'generate',
        modelDir: 'm',
        n: 2,
        seed: 0,
        spec: { sampler: 'euler', steps: 100 },
      },
    });
    await until((m) => m.type === 'cancelled');
    expect(model.calls()).toBe(5);
    expect(sent.some((m) => m.type === 'done')).toBe(false);
  });

  it('runs jobs one at a time in submission order, with throttled progress', async () => {
    const { sent, until } = collect();
    let clock = 0;
    let running = 0;
    let overlap = false;
    const model = counted(() => {
      clock += 100;
    });
    const load = async (): Promise<LoadedModel> => ({
      ...model,
      score: async (x, t) => {
        running++;
        if (running > 1) overlap = true;
        const s = await model.score(x, t);
        running--;
        return s;
      },
    });
    const runner = new EngineRunner({ send: (m) => sent.push(m), load, now: () => clock });
    const work = {
      kind: 'generate' as const,
      modelDir: 'm',
      n: 1,
      seed: 3,
      spec: { sampler: 'euler' as const, steps: 20 },
    };
    runner.handle({ type: 'run', jobId: 'a', work });
    runner.handle({ type: 'run', jobId: 'b', work });
    await until((m) => m.type === 'done' && m.jobId === 'b');
    expect(overlap).toBe(false);
    const order = sent
      .filter((m) => m.type === 'started' || m.type === 'done')
      .map((m) => `${m.type}:${'jobId' in m ? m.jobId : ''}`);
    expect(order).toEqual(['started:a', 'done:a', 'started:b', 'done:b']);
    const times = sent
      .filter((m) => m.type === 'progress' && m.jobId === 'a')
      .map((m) => (m.type === 'progress' ? m.step : 0));
    // 100 ms per evaluation and 250 ms between messages: every third evaluation is reported.
    expect(times.slice(0, 3)).toEqual([1, 4, 7]);
    // Same seed, same pixels.
    const [first, second] = sent.flatMap((m) => (m.type === 'done' ? [m.results[0]!.png] : []));
    expect(Buffer.compare(first!, second!)).toBe(0);
  });

  it('answers a malformed job with an error naming it', () => {
    const sent: FromEngine[] = [];
    const runner = new EngineRunner({
      send: (m) => sent.push(m),
      load: async () => counted(() => undefined),
    });
    runner.handle({
      type: 'run',
      jobId: 'x',
      work: { kind: 'generate', modelDir: 'm', n: 99, seed: 0, spec: {} },
    });
    runner.handle({ nonsense: true });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ type: 'error', jobId: 'x' });
  });
});
