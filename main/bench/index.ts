import { formatFlags, parseFlags, UsageError, type FlagTable, type RawFlags } from '../cli/args.ts';
import { conditionalMeanBench, conditionalMeanFlags } from './conditional-mean.ts';
import { engineBench, engineFlags } from './engine.ts';
import { rendererBench, rendererFlags } from './renderer.ts';
import { tasksBench, tasksFlags } from './tasks.ts';

interface Bench {
  summary: string;
  flags: FlagTable;
  run(flags: RawFlags, log: (line: string) => void): Promise<void>;
}

/** Benchmarks by name; `npm run bench -- <name> [flags]`. */
const BENCHES: Record<string, Bench> = {
  engine: {
    summary: 'network vs sampler time per evaluation, and sampler NFE on the analytic mixtures',
    flags: engineFlags,
    run: engineBench,
  },
  tasks: {
    summary: 'network evaluations and seconds of every task per sampler on the bundled models',
    flags: tasksFlags,
    run: tasksBench,
  },
  renderer: {
    summary: 'longest renderer main-thread task while a job runs (browser mode, Chromium)',
    flags: rendererFlags,
    run: rendererBench,
  },
  'conditional-mean': {
    summary:
      'mean of n inpaintings or colorizations of held-out images, for the model-quality metrics',
    flags: conditionalMeanFlags,
    run: conditionalMeanBench,
  },
};

function usage(): string {
  const lines = Object.entries(BENCHES).map(
    ([name, b]) => `  ${name}  ${b.summary}\n${formatFlags(b.flags).replace(/^/gm, '  ')}`,
  );
  return `usage: npm run bench -- <name> [flags]\n\n${lines.join('\n')}\n`;
}

const [name, ...rest] = process.argv.slice(2);
try {
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(usage());
  } else {
    const bench = Object.hasOwn(BENCHES, name) ? BENCHES[name] : undefined;
    if (!bench)
      throw new UsageError(`unknown benchmark "${name}" (${Object.keys(BENCHES).join(', ')})`);
    await bench.run(parseFlags(rest, bench.flags), (line) => process.stdout.write(`${line}\n`));
  }
} catch (e) {
  process.stderr.write(`error: ${(e as Error).message}\n`);
  process.exitCode = e instanceof UsageError ? 2 : 1;
}
