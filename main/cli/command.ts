import type { FlagTable, RawFlags } from './args.ts';

export interface CommandContext {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
  /** Aborted on Ctrl-C; long work stops between network evaluations. */
  signal: AbortSignal;
}

/** One CLI command: its flags (for parsing and help) and what it does with them. */
export interface Command {
  name: string;
  summary: string;
  flags: FlagTable;
  run(flags: RawFlags, ctx: CommandContext): Promise<void>;
}
