/**
 * The method names of the contract (`api.ts`) and the Electron IPC channels they travel on. Kept
 * free of zod so that the preload bundle stays small; `api.ts` checks at compile time that its
 * table has exactly these names.
 */
export const API_METHOD_NAMES = [
  'listModels',
  'openImage',
  'closeDocument',
  'startJob',
  'cancelJob',
  'getSettings',
  'setSettings',
  'engineInfo',
  'saveBytes',
] as const;

export type ApiMethodName = (typeof API_METHOD_NAMES)[number];

/** Methods that take no argument. */
export const NO_ARG_METHODS: readonly ApiMethodName[] = ['listModels', 'getSettings', 'engineInfo'];

export const IPC_EVENT_CHANNEL = 'sde-studio:event';

export function ipcChannel(method: ApiMethodName): string {
  return `sde-studio:${method}`;
}

/**
 * How a call's outcome crosses IPC and the WebSocket: an error travels as its message only, so
 * the renderer shows the host's words rather than a wrapped stack.
 */
export type CallOutcome<T> = { ok: true; value: T } | { ok: false; error: string };
