/**
 * The parent's side of the engine process. It spawns the engine through an injected `spawn()`
 * (`child_process.fork` here, Electron's `utilityProcess` in the app), validates every message
 * both ways, and keeps track of the jobs it handed over: when the process dies, the job it was
 * running gets an error, the process is started again and the jobs still waiting are handed to
 * the new one. Documents live in the parent, so a crash loses no user data.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { EngineEvent, EngineInfo, JobEvent } from '../../preload/api.ts';
import {
  fromEngineSchema,
  toEngineSchema,
  type EngineConfig,
  type EngineWorkInput,
  type ToEngineInput,
} from './protocol.ts';

/** A started engine process, whatever started it. */
export interface EngineChild {
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once when the process ends, with a short reason ("exit code 1", "signal SIGKILL"). */
  onExit(listener: (reason: string) => void): void;
  kill(): void;
}

export type EngineSpawner = () => EngineChild;

const HERE = dirname(fileURLToPath(import.meta.url));
/**
 * The engine entry beside this module: in a built app (main/build/bundle.ts puts both bundles in
 * dist/app/) the bundled .mjs, otherwise the TypeScript source, run through tsx.
 */
export const ENGINE_ENTRY = existsSync(join(HERE, 'engine-process.mjs'))
  ? join(HERE, 'engine-process.mjs')
  : join(HERE, 'engine-process.ts');

/** Node options that let a child run the given entry: the tsx loader for TypeScript sources. */
export function entryExecArgv(entry: string): string[] {
  return entry.endsWith('.ts') ? ['--import', tsxLoaderUrl()] : [];
}

/** tsx's loader as a file URL, so the child finds it whatever its working directory. */
function tsxLoaderUrl(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

/** Browser mode (and tests): a Node child with structured-clone messages. */
export function forkSpawner(
  options: { env?: NodeJS.ProcessEnv; entry?: string } = {},
): EngineSpawner {
  return () => {
    const entry = options.entry ?? ENGINE_ENTRY;
    const child = fork(entry, [], {
      execArgv: entryExecArgv(entry),
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: options.env ?? process.env,
    });
    return {
      postMessage: (message) => {
        if (child.connected) child.send(message as object);
      },
      onMessage: (listener) => child.on('message', listener),
      onExit: (listener) =>
        child.once('exit', (code, signal) =>
          listener(signal ? `signal ${signal}` : `exit code ${code}`),
        ),
      kill: () => child.kill('SIGKILL'),
    };
  };
}

export type EngineClientEvent = JobEvent | EngineEvent;

export interface EngineClientOptions {
  spawn: EngineSpawner;
  onEvent: (event: EngineClientEvent) => void;
  config?: EngineConfig;
  /** Restarts allowed within `crashWindowMs` before the client gives up. Default 5 in 60 s. */
  maxRestarts?: number;
  crashWindowMs?: number;
}

interface PendingJob {
  work: EngineWorkInput;
  started: boolean;
  cancelRequested: boolean;
}

export class EngineClient {
  private child: EngineChild | null = null;
  /** Messages sent before the child's 'ready' could be lost; its state is replayed on 'ready'. */
  private childReady = false;
  private status: EngineInfo['status'] = 'starting';
  private config: EngineConfig;
  private provider: string | null = null;
  private notes: string[] = [];
  /** Jobs handed to the engine and not finished, in submission order. */
  private readonly pending = new Map<string, PendingJob>();
  private crashes: number[] = [];
  private stopped = false;
  private readyWaiters: (() => void)[] = [];

  constructor(private readonly options: EngineClientOptions) {
    this.config = options.config ?? { threads: 0 };
    this.startChild();
  }

  /** Resolves once the engine process reported that it is ready. */
  ready(): Promise<void> {
    if (this.status === 'ready' || this.status === 'busy') return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  submit(jobId: string, work: EngineWorkInput): void {
    if (this.stopped) throw new Error('the engine has been stopped');
    if (this.pending.has(jobId)) throw new Error(`job ${jobId} exists already`);
    // Checked before it is recorded: a job the engine would refuse must not wait forever.
    toEngineSchema.parse({ type: 'run', jobId, work });
    this.pending.set(jobId, { work, started: false, cancelRequested: false });
    this.post({ type: 'run', jobId, work });
  }

  /** true when the job was known and not finished; its `cancelled` event follows. */
  cancel(jobId: string): boolean {
    const job = this.pending.get(jobId);
    if (!job) return false;
    job.cancelRequested = true;
    this.post({ type: 'cancel', jobId });
    return true;
  }

  configure(config: EngineConfig): void {
    this.config = config;
    this.post({ type: 'configure', config });
  }

  info(): EngineInfo {
    const queued = [...this.pending.values()].filter((j) => !j.started).length;
    return {
      status: this.status,
      provider: this.provider,
      threads: this.config.threads,
      notes: [...this.notes],
      queued,
    };
  }

  /** Ends the process for good (app quit, server shutdown); unfinished jobs are cancelled. */
  stop(): void {
    this.stopped = true;
    const child = this.child;
    this.child = null;
    child?.kill();
    for (const jobId of this.pending.keys()) this.options.onEvent({ type: 'cancelled', jobId });
    this.pending.clear();
  }

  /** Kills the process as a last resort (a job that ignores cancellation); it is restarted. */
  kill(): void {
    this.child?.kill();
  }

  private post(message: ToEngineInput): void {
    const checked = toEngineSchema.parse(message);
    if (this.childReady) this.child?.postMessage(checked);
  }

  private startChild(): void {
    this.status = this.crashes.length > 0 ? 'restarting' : 'starting';
    this.childReady = false;
    const child = this.options.spawn();
    this.child = child;
    child.onMessage((raw) => {
      if (this.child === child) this.receive(raw);
    });
    child.onExit((reason) => {
      if (this.child === child) this.crashed(reason);
    });
  }

  /** The settings and every unfinished job, to a process that just said it is ready. */
  private replay(): void {
    this.childReady = true;
    this.post({ type: 'configure', config: this.config });
    // Jobs submitted while it started, or waiting in a dead process's queue, in their order.
    for (const [jobId, job] of this.pending) {
      if (job.cancelRequested) {
        this.pending.delete(jobId);
        this.options.onEvent({ type: 'cancelled', jobId });
      } else {
        this.post({ type: 'run', jobId, work: job.work });
      }
    }
  }

  private receive(raw: unknown): void {
    const parsed = fromEngineSchema.safeParse(raw);
    if (!parsed.success) {
      // An engine bug: the job it concerns ends with an error rather than waiting forever.
      const problem = `the engine sent a malformed message (${parsed.error.issues[0]?.message})`;
      const jobId = (raw as { jobId?: unknown } | null)?.jobId;
      if (typeof jobId === 'string' && this.pending.delete(jobId)) {
        this.post({ type: 'cancel', jobId });
        this.options.onEvent({ type: 'error', jobId, message: problem });
        if (this.pending.size === 0) this.status = 'ready';
      } else {
        console.error(problem);
      }
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'ready': {
        const restarted = this.status === 'restarting';
        this.replay();
        this.status = this.pending.size > 0 ? 'busy' : 'ready';
        for (const resolve of this.readyWaiters.splice(0)) resolve();
        this.options.onEvent({
          type: 'engine',
          status: restarted ? 'restarted' : 'ready',
          message: restarted ? 'the engine has been restarted' : 'the engine is ready',
        });
        break;
      }
      case 'model':
        this.provider = message.provider;
        this.notes = message.notes;
        break;
      case 'started': {
        const job = this.pending.get(message.jobId);
        if (job) job.started = true;
        this.status = 'busy';
        break;
      }
      case 'progress':
        if (this.pending.has(message.jobId)) this.options.onEvent(message);
        break;
      case 'done':
      case 'error':
      case 'cancelled':
        if (!this.pending.delete(message.jobId)) break;
        if (this.pending.size === 0) this.status = 'ready';
        this.options.onEvent(message);
        break;
    }
  }

  private crashed(reason: string): void {
    this.child = null;
    this.childReady = false;
    if (this.stopped) return;
    for (const [jobId, job] of this.pending) {
      if (job.cancelRequested) {
        this.pending.delete(jobId);
        this.options.onEvent({ type: 'cancelled', jobId });
      } else if (job.started) {
        this.pending.delete(jobId);
        this.options.onEvent({
          type: 'error',
          jobId,
          message: `the engine stopped unexpectedly (${reason}); it has been restarted`,
        });
      }
    }
    const now = Date.now();
    const windowMs = this.options.crashWindowMs ?? 60_000;
    this.crashes = [...this.crashes.filter((t) => now - t < windowMs), now];
    if (this.crashes.length > (this.options.maxRestarts ?? 5)) {
      this.stopped = true;
      for (const jobId of this.pending.keys()) {
        this.options.onEvent({
          type: 'error',
          jobId,
          message: `the engine keeps stopping (${reason})`,
        });
      }
      this.pending.clear();
      this.options.onEvent({
        type: 'engine',
        status: 'crashed',
        message: `the engine stopped ${this.crashes.length} times within a minute (${reason}); restart the app`,
      });
      return;
    }
    this.options.onEvent({
      type: 'engine',
      status: 'crashed',
      message: `the engine stopped unexpectedly (${reason}); restarting it`,
    });
    this.startChild();
  }
}
