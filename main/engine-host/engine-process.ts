/**
 * Entry of the engine process: `child_process.fork` (browser mode, with advanced serialization) or
 * Electron's `utilityProcess` (the app). It owns the ONNX sessions; the parent owns everything the
 * user has, so this process may be killed and restarted at any time. No Electron import here.
 */
import { loadModel } from '../engine/score/score-model.ts';
import { EngineRunner } from './engine-runner.ts';
import type { FromEngine } from './protocol.ts';

interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

function send(message: FromEngine): void {
  if (parentPort) parentPort.postMessage(message);
  else process.send?.(message);
}

const runner = new EngineRunner({
  send,
  load: (dir, config) =>
    loadModel(dir, {
      threads: config.threads,
      ...(config.providers ? { providers: config.providers } : {}),
    }),
});

if (parentPort) {
  parentPort.on('message', (e) => runner.handle(e.data));
} else if (process.send) {
  process.on('message', (message) => runner.handle(message));
  // The parent is gone: nobody will read the results.
  process.on('disconnect', () => process.exit(0));
} else {
  console.error('the engine process must be started by SDE Studio (fork or utilityProcess)');
  process.exit(2);
}

send({ type: 'ready', pid: process.pid });
