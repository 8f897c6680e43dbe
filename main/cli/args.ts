import { z } from 'zod';

/** Bad command-line input: the CLI prints the message as one line and exits with code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface FlagSpec {
  /** Placeholder of the value in help text, e.g. "N"; absent for a switch that takes no value. */
  value?: string;
  help: string;
}

export type FlagTable = Readonly<Record<string, FlagSpec>>;
/** Flag name (without dashes) -> its text, or true for a switch. */
export type RawFlags = Record<string, string | true>;

/**
 * `--name value`, `--name=value` and `--switch`. Only syntax is checked here: unknown or repeated
 * flags, missing values, stray arguments. What a value means is the command's schema's business.
 */
export function parseFlags(argv: readonly string[], table: FlagTable): RawFlags {
  const out: RawFlags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--') || arg === '--') {
      throw new UsageError(`unexpected argument "${arg}" (flags start with --)`);
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = Object.hasOwn(table, name) ? table[name] : undefined;
    if (!spec) throw new UsageError(`unknown flag --${name} (see --help)`);
    if (Object.hasOwn(out, name)) throw new UsageError(`--${name} given twice`);
    if (spec.value === undefined) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      out[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) value = argv[++i];
    if (value === undefined || value === '') {
      throw new UsageError(`--${name} needs a value (--${name} ${spec.value})`);
    }
    out[name] = value;
  }
  return out;
}

/** Help text for a command's flags, one per line, aligned. */
export function formatFlags(table: FlagTable): string {
  const heads = Object.entries(table).map(([name, s]) => [
    `--${name}${s.value ? ` ${s.value}` : ''}`,
    s.help,
  ]);
  const width = Math.max(...heads.map(([h]) => h!.length));
  return heads.map(([h, help]) => `  ${h!.padEnd(width)}  ${help}`).join('\n');
}

/** Flag values as zod schemas from text, with messages that say what was expected and what came. */
export const flag = {
  text: () => z.string(),
  integer: (min: number, max: number) =>
    z.string().transform((s, ctx) => {
      const v = Number(s);
      if (!/^[+-]?\d+$/.test(s) || v < min || v > max) {
        ctx.issues.push({
          code: 'custom',
          input: s,
          message: `expected an integer from ${min} to ${max}, got "${s}"`,
        });
        return z.NEVER;
      }
      return v;
    }),
  number: () =>
    z.string().transform((s, ctx) => {
      const v = Number(s);
      if (s.trim() === '' || !Number.isFinite(v)) {
        ctx.issues.push({ code: 'custom', input: s, message: `expected a number, got "${s}"` });
        return z.NEVER;
      }
      return v;
    }),
  choice: <const T extends readonly [string, ...string[]]>(values: T) =>
    z.string().transform((s, ctx) => {
      if (!values.includes(s)) {
        ctx.issues.push({
          code: 'custom',
          input: s,
          message: `expected one of ${values.join(', ')}, got "${s}"`,
        });
        return z.NEVER;
      }
      return s as T[number];
    }),
  switch: () =>
    z
      .literal(true)
      .optional()
      .transform((v) => v === true),
};

/** Validates raw flags against a schema keyed by flag name; the first problem becomes a UsageError. */
export function validateFlags<S extends z.ZodType>(schema: S, raw: RawFlags): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const name = issue.path[0];
  if (name === undefined) throw new UsageError(issue.message);
  if (issue.code === 'invalid_type' && !Object.hasOwn(raw, String(name))) {
    throw new UsageError(`missing required flag --${String(name)}`);
  }
  throw new UsageError(`--${String(name)}: ${issue.message}`);
}
