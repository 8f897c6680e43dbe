import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { flag, formatFlags, parseFlags, UsageError, validateFlags } from './args.ts';

const table = {
  n: { value: 'N', help: 'count' },
  out: { value: 'FILE', help: 'where' },
  json: { help: 'machine output' },
} as const;

describe('parseFlags', () => {
  it('reads values, = values and switches', () => {
    expect(parseFlags(['--n', '-3', '--out=a.npy', '--json'], table)).toEqual({
      n: '-3',
      out: 'a.npy',
      json: true,
    });
    expect(parseFlags([], table)).toEqual({});
  });

  it.each([
    [['--bogus', '1'], 'unknown flag --bogus (see --help)'],
    [['--n'], '--n needs a value (--n N)'],
    [['--n', '--json'], '--n needs a value (--n N)'],
    [['--n='], '--n needs a value (--n N)'],
    [['--n', '1', '--n', '2'], '--n given twice'],
    [['--json=yes'], '--json takes no value'],
    [['stray'], 'unexpected argument "stray" (flags start with --)'],
    [['--toString'], 'unknown flag --toString (see --help)'],
  ])('rejects %j', (argv, message) => {
    expect(() => parseFlags(argv, table)).toThrow(new UsageError(message));
  });
});

describe('validateFlags', () => {
  const schema = z.object({
    n: flag.integer(1, 100).default(4),
    out: flag.text(),
    x: flag.number().optional(),
    mode: flag.choice(['a', 'b']).optional(),
    json: flag.switch(),
  });

  it('converts values and fills defaults', () => {
    expect(validateFlags(schema, { out: 'f', x: '1e-3', mode: 'b' })).toEqual({
      n: 4,
      out: 'f',
      x: 0.001,
      mode: 'b',
      json: false,
    });
    expect(validateFlags(schema, { out: 'f', n: '100', json: true })).toMatchObject({
      n: 100,
      json: true,
    });
  });

  it.each([
    [{}, 'missing required flag --out'],
    [{ out: 'f', n: '1.5' }, '--n: expected an integer from 1 to 100, got "1.5"'],
    [{ out: 'f', n: '0' }, '--n: expected an integer from 1 to 100, got "0"'],
    [{ out: 'f', x: 'abc' }, '--x: expected a number, got "abc"'],
    [{ out: 'f', x: 'Infinity' }, '--x: expected a number, got "Infinity"'],
    [{ out: 'f', mode: 'c' }, '--mode: expected one of a, b, got "c"'],
  ])('explains %j', (raw, message) => {
    expect(() => validateFlags(schema, raw)).toThrow(new UsageError(message));
  });
});

describe('formatFlags', () => {
  it('aligns the help column', () => {
    expect(formatFlags(table)).toBe(
      ['  --n N       count', '  --out FILE  where', '  --json      machine output'].join('\n'),
    );
  });
});
