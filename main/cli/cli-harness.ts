import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** Test support: the CLI run as a child process, as users and scripts run it. */
export const ROOT = join(import.meta.dirname, '..', '..');
export const FIXTURES = join(ROOT, 'main', 'engine', '__fixtures__');
export const MIXTURES = join(FIXTURES, 'mixtures');
/** The 3x8x8 analytic Gaussian of models/analytic/make_gaussian_image_model.py. */
export const GAUSSIAN_RGB = join(FIXTURES, 'gaussian-rgb8');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI; `whenStderr` gets the stderr so far and a function that sends Ctrl-C once, as a
 * user presses it once: a second signal after the CLI has dropped its handler would kill it.
 */
export function cli(
  args: string[],
  whenStderr?: (text: string, interrupt: () => void) => void,
): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'main/cli/index.ts', ...args], {
      cwd: ROOT,
      // Keep the tests independent of a GPU and of the user's extra model folders.
      env: { ...process.env, SDE_STUDIO_MODELS: '' },
    });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    const interrupt = () => {
      if (interrupted) return;
      interrupted = true;
      child.kill('SIGINT');
    };
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      whenStderr?.(stderr, interrupt);
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** Flags that keep a test run on one CPU thread. */
export const CPU = ['--provider', 'cpu', '--threads', '1'];
