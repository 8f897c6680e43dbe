/**
 * `npm run serve`: browser mode. Starts the engine process, serves the built renderer and the API
 * on 127.0.0.1 and prints the address to open, which carries the session's access token.
 *   --port N      listen on port N (default: a free port)
 *   --host ADDR   listen on ADDR instead of 127.0.0.1 (other machines can then reach it)
 *   --renderer D  the built renderer (default dist/renderer)
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { APP_ROOT, modelRoots } from '../engine/models-dir.ts';
import { createApiHost } from '../engine-host/api-impl.ts';
import { forkSpawner } from '../engine-host/engine-client.ts';
import { memorySettings } from '../engine-host/settings.ts';
import { startServer } from './server.ts';

function fail(message: string): never {
  process.stderr.write(`serve: ${message}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values: { port?: string; host?: string; renderer?: string };
  try {
    ({ values } = parseArgs({
      options: { port: { type: 'string' }, host: { type: 'string' }, renderer: { type: 'string' } },
      strict: true,
    }));
  } catch (e) {
    fail((e as Error).message);
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    fail(`--port: not a port number: ${values.port}`);

  const host = createApiHost({
    spawn: forkSpawner(),
    modelRoots: modelRoots(),
    settings: memorySettings(),
    capabilities: { host: 'browser', canSaveToDisk: false },
  });
  const server = await startServer({
    host,
    rendererDir: values.renderer ? resolve(values.renderer) : join(APP_ROOT, 'dist', 'renderer'),
    port,
    ...(values.host ? { listenHost: values.host } : {}),
  }).catch((e: Error) => fail(`cannot listen: ${e.message}`));
  if (values.host && values.host !== '127.0.0.1' && values.host !== 'localhost') {
    process.stderr.write(`serve: listening on ${values.host}: reachable from other machines\n`);
  }
  process.stdout.write(`SDE Studio (browser mode): open ${server.url}\n`);
  const shutdown = () => {
    host.dispose();
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

void main();
