import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { UsageError, validateFlags } from './args.ts';
import { conditionalFields, samplerFields, samplerSpec, tolerances } from './sampler-flags.ts';

const schema = z.object({ ...samplerFields, ...conditionalFields });
const spec = (raw: Record<string, string | true>, fallback?: 'pc') =>
  samplerSpec(validateFlags(schema, raw), fallback);

describe('samplerSpec', () => {
  it("uses the command's fallback sampler only when --sampler is absent", () => {
    expect(spec({}).sampler).toBe('dpm++3m');
    expect(spec({}, 'pc').sampler).toBe('pc');
    expect(spec({ sampler: 'ode' }, 'pc').sampler).toBe('ode');
  });

  it('maps the flags onto the spec', () => {
    expect(
      spec({
        'corrector-steps': '2',
        'posterior-steps': '1',
        snr: '0.1',
        'no-denoise': true,
        steps: '30',
      }),
    ).toMatchObject({
      correctorSteps: 2,
      posteriorSteps: 1,
      snr: 0.1,
      denoise: false,
      steps: 30,
    });
  });

  it("explains the spec's bounds with the flag's name", () => {
    expect(() => spec({ snr: '-1' })).toThrow(new UsageError('--snr: expected number to be >0'));
    expect(spec({}).posteriorSteps).toBeUndefined();
    expect(() => tolerances({ rtol: 2 })).toThrow(/^--rtol: expected number to be <=1/);
  });
});
