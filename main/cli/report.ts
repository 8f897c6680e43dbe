import type { StepInfo } from '../engine/samplers/types.ts';
import type { CommandContext } from './command.ts';
import { progressReporter } from './progress.ts';

/**
 * Runs one long piece of work with progress on stderr and returns its result with the wall time.
 * `work` gets the step callback to hand to the engine.
 */
export async function timed<T>(
  ctx: CommandContext,
  label: string,
  work: (onStep: (info: StepInfo) => void) => Promise<T>,
): Promise<{ result: T; seconds: number }> {
  const progress = progressReporter(ctx.stderr, label);
  const start = performance.now();
  try {
    const result = await work((info) => progress.step(info));
    return { result, seconds: (performance.now() - start) / 1000 };
  } finally {
    progress.done();
  }
}

/** What every command reports; `--json` prints it as one line, otherwise `text` is printed. */
export interface Summary {
  command: string;
  model: string;
  nfe: number;
  seconds: number;
  outputs: string[];
  [key: string]: unknown;
}

export function report(ctx: CommandContext, json: boolean, summary: Summary, text: string): void {
  ctx.stdout.write(json ? `${JSON.stringify(summary)}\n` : `${text}\n`);
}

export function roundSeconds(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
