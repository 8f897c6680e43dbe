/**
 * The main-process side of the preload API, driven by the API_METHODS table: one `ipcMain.handle`
 * per method, each refusing senders other than the app's own pages and validating its argument
 * and result (dispatch.ts, shared with browser mode). Written against a minimal ipcMain interface
 * so that it is tested without Electron.
 */
import {
  API_METHOD_NAMES,
  IPC_EVENT_CHANNEL,
  ipcChannel,
  type AppEvent,
  type ApiHandlers,
  type CallOutcome,
} from '../../preload/api.ts';
import { checkedEvent, dispatch } from '../engine-host/dispatch.ts';

export interface InvokeEventLike {
  /** The frame that sent the message; null once it navigated away or was destroyed. */
  readonly senderFrame: { readonly url: string } | null;
}

export interface IpcMainLike {
  handle(
    channel: string,
    listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>,
  ): void;
  removeHandler(channel: string): void;
}

/** true for URLs of the app's own pages: same scheme and host as `appUrl`. */
export function sameAppUrl(appUrl: string): (url: string) => boolean {
  const app = new URL(appUrl);
  return (url) => {
    try {
      const u = new URL(url);
      return u.protocol === app.protocol && u.host === app.host;
    } catch {
      return false;
    }
  };
}

/** Registers every method; returns the function that removes them again. */
export function registerApiHandlers(
  ipcMain: IpcMainLike,
  handlers: ApiHandlers,
  isTrustedUrl: (url: string) => boolean,
): () => void {
  for (const method of API_METHOD_NAMES) {
    ipcMain.handle(ipcChannel(method), async (event, ...args): Promise<CallOutcome<unknown>> => {
      const url = event.senderFrame?.url;
      if (url === undefined || !isTrustedUrl(url)) {
        return {
          ok: false,
          error: `${method}: refused, the request did not come from the app's own page`,
        };
      }
      if (args.length > 1) return { ok: false, error: `${method}: takes at most one argument` };
      return dispatch(handlers, method, args[0]);
    });
  }
  return () => {
    for (const method of API_METHOD_NAMES) ipcMain.removeHandler(ipcChannel(method));
  };
}

/** Events to the renderer, each checked against the contract first. */
export function forwardEvents(
  subscribe: (listener: (event: AppEvent) => void) => () => void,
  send: (channel: string, event: AppEvent) => void,
): () => void {
  return subscribe((event) => {
    const checked = checkedEvent(event);
    if (checked) send(IPC_EVENT_CHANNEL, checked);
  });
}
