import type { SdeStudioApi } from '../../../preload/api';

/**
 * The one way the renderer reaches anything outside itself. main.ts installs the instance before
 * the app mounts: Electron's `window.sdeStudio`, or in browser mode the WebSocket client; tests
 * install a fake.
 */
let instance: SdeStudioApi | null = null;

export function installApi(api: SdeStudioApi): void {
  instance = api;
}

export function api(): SdeStudioApi {
  if (!instance) throw new Error('the host API is not connected');
  return instance;
}

/** An error from the host or anywhere else as the one line the user reads. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message.replace(/^Error invoking remote method '[^']+': /, '');
  return String(e);
}
