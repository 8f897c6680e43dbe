/**
 * Builds `window.sdeStudio` for Electron from the method names and two IPC primitives, without
 * importing Electron or zod (the preload bundle stays small, and this is testable against the
 * main side's handlers). The main process validates every argument; this side only unwraps outcomes.
 */
import type { AppEvent, SdeStudioApi } from './api.ts';
import {
  API_METHOD_NAMES,
  IPC_EVENT_CHANNEL,
  ipcChannel,
  NO_ARG_METHODS,
  type CallOutcome,
} from './channels.ts';

export interface RendererIpc {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  /** Subscribes; returns the unsubscribe function. The listener gets the event's payload only. */
  on(channel: string, listener: (payload: unknown) => void): () => void;
}

function unwrap(outcome: unknown): unknown {
  const o = outcome as CallOutcome<unknown> | null;
  if (o && o.ok === true) return o.value;
  throw new Error(o && o.ok === false ? o.error : 'the app sent a malformed answer');
}

export function buildBridgeApi(ipc: RendererIpc): SdeStudioApi {
  const api: Record<string, unknown> = {
    capabilities: { host: 'electron', canSaveToDisk: true },
    // Only the payload reaches the page: never the IPC event, which leads back to ipcRenderer.
    onEvent: (listener: (event: AppEvent) => void) =>
      ipc.on(IPC_EVENT_CHANNEL, (payload) => listener(payload as AppEvent)),
  };
  for (const name of API_METHOD_NAMES) {
    const channel = ipcChannel(name);
    api[name] = NO_ARG_METHODS.includes(name)
      ? async () => unwrap(await ipc.invoke(channel))
      : async (arg: unknown) => unwrap(await ipc.invoke(channel, arg));
  }
  return api as unknown as SdeStudioApi;
}
