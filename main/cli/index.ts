import { formatFlags, parseFlags, UsageError } from './args.ts';
import type { Command } from './command.ts';
import { colorizeCommand } from './commands/colorize.ts';
import { decodeCommand } from './commands/decode.ts';
import { encodeCommand } from './commands/encode.ts';
import { inpaintCommand } from './commands/inpaint.ts';
import { interpolateCommand } from './commands/interpolate.ts';
import { likelihoodCommand } from './commands/likelihood.ts';
import { modelsCommand } from './commands/models.ts';
import { sampleCommand } from './commands/sample.ts';

/** Every command, in help order; a new command is one more entry here. */
const COMMANDS: readonly Command[] = [
  modelsCommand,
  sampleCommand,
  inpaintCommand,
  colorizeCommand,
  encodeCommand,
  decodeCommand,
  interpolateCommand,
  likelihoodCommand,
];

const EXIT_USAGE = 2;
const EXIT_CANCELLED = 130;

function usage(): string {
  const names = COMMANDS.map((c) => `  ${c.name.padEnd(11)}  ${c.summary}`).join('\n');
  return (
    `usage: npm run cli -- <command> [flags]\n\ncommands:\n${names}\n\n` +
    `npm run cli -- <command> --help lists a command's flags.\n`
  );
}

async function main(argv: readonly string[], signal: AbortSignal): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || ['help', '--help', '-h'].includes(name)) {
    (name === undefined ? process.stderr : process.stdout).write(usage());
    return name === undefined ? EXIT_USAGE : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    throw new UsageError(
      `unknown command "${name}" (commands: ${COMMANDS.map((c) => c.name).join(', ')})`,
    );
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(
      `usage: npm run cli -- ${command.name} [flags]\n${command.summary}\n\n${formatFlags(command.flags)}\n`,
    );
    return 0;
  }
  await command.run(parseFlags(rest, command.flags), {
    stdout: process.stdout,
    stderr: process.stderr,
    signal,
  });
  return 0;
}

const controller = new AbortController();
// The first Ctrl-C asks the sampler to stop after the current network evaluation; a second one,
// for when that evaluation is long, quits at once.
const onSigint = () => {
  if (controller.signal.aborted) process.exit(EXIT_CANCELLED);
  process.stderr.write('\ncancelling after the current evaluation (Ctrl-C again to quit now)\n');
  controller.abort();
};
process.on('SIGINT', onSigint);

try {
  process.exitCode = await main(process.argv.slice(2), controller.signal);
} catch (e) {
  const error = e instanceof Error ? e : new Error(String(e));
  // One line on stderr whatever the message holds: scripts read it, people scan it.
  const message = error.message.replace(/\s*\n\s*/g, ' ');
  if (error instanceof UsageError) {
    process.stderr.write(`error: ${message}\n`);
    process.exitCode = EXIT_USAGE;
  } else if (error.name === 'CancelledError' || error.name === 'AbortError') {
    // CancelledError from the samplers; AbortError from signal.throwIfAborted() between crops.
    process.stderr.write('cancelled\n');
    process.exitCode = EXIT_CANCELLED;
  } else {
    process.stderr.write(`error: ${message}\n`);
    if (process.env['SDE_STUDIO_DEBUG']) process.stderr.write(`${error.stack}\n`);
    process.exitCode = 1;
  }
} finally {
  process.off('SIGINT', onSigint);
}
