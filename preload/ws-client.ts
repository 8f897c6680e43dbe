/**
 * SdeStudioApi over the browser-mode WebSocket, for the renderer's browser entry. Browser code: no
 * Node imports. Arguments are validated before they are sent (a bad call fails at once, naming the
 * field), and responses and events are validated on arrival, as the server does with requests.
 */
import {
  API_METHOD_NAMES,
  API_METHODS,
  appEventSchema,
  describeIssues,
  type ApiMethodName,
  type ApiMethods,
  type AppEvent,
  type SdeStudioApi,
} from './api.ts';
import { decodeMessage, encodeMessage, responseFrameSchema } from './ws-codec.ts';

/** The part of the WebSocket interface used here (the browser's, or the `ws` package's in tests). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

export interface WsApiOptions {
  /** Opens a socket; default: the global WebSocket. */
  connect?: (url: string) => SocketLike;
}

export interface WsApi extends SdeStudioApi {
  /** Closes the connection; calls made afterwards open a new one. */
  close(): void;
}

const OPEN = 1;

/** `ws://host/api?token=...` for a page opened at the address `npm run serve` printed. */
export function apiUrlFromLocation(location: {
  protocol: string;
  host: string;
  search: string;
}): string {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api?token=${encodeURIComponent(token)}`;
}

export function createWsApi(url: string, options: WsApiOptions = {}): WsApi {
  const connect = options.connect ?? ((u: string) => new WebSocket(u) as unknown as SocketLike);
  const listeners = new Set<(event: AppEvent) => void>();
  const pending = new Map<
    number,
    { method: ApiMethodName; resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  let nextId = 1;
  let socket: Promise<SocketLike> | null = null;

  const emit = (event: AppEvent) => {
    for (const listener of listeners) listener(event);
  };

  const receive = (data: unknown) => {
    if (typeof data !== 'string') return;
    let frame;
    try {
      frame = responseFrameSchema.safeParse(decodeMessage(data));
    } catch {
      return;
    }
    if (!frame.success) return;
    const message = frame.data;
    if ('event' in message) {
      const event = appEventSchema.safeParse(message.event);
      if (event.success) emit(event.data);
      return;
    }
    const call = pending.get(message.id);
    if (!call) return;
    pending.delete(message.id);
    if (!message.ok) {
      call.reject(new Error(message.error));
      return;
    }
    const result = API_METHODS[call.method].result.safeParse(message.value);
    if (result.success) call.resolve(result.data);
    else
      call.reject(
        new Error(
          `${call.method}: the server sent an invalid result (${describeIssues(result.error)})`,
        ),
      );
  };

  const open = (): Promise<SocketLike> => {
    if (socket) return socket;
    const opening = new Promise<SocketLike>((resolve, reject) => {
      const ws = connect(url);
      let opened = false;
      ws.addEventListener('open', () => {
        opened = true;
        resolve(ws);
      });
      ws.addEventListener('message', (event) => receive(event.data));
      ws.addEventListener('error', () => {
        if (!opened)
          reject(new Error('cannot reach the SDE Studio server (is `npm run serve` running?)'));
      });
      ws.addEventListener('close', () => {
        // close() forgets the socket first: only a close nobody asked for is news.
        const lost = socket === opening;
        if (lost) socket = null;
        if (!opened) {
          reject(
            new Error('the SDE Studio server refused the connection (open the address it printed)'),
          );
          return;
        }
        for (const call of pending.values())
          call.reject(new Error('the connection to the SDE Studio server was lost'));
        pending.clear();
        if (lost)
          emit({
            type: 'engine',
            status: 'crashed',
            message: 'the connection to the SDE Studio server was lost',
          });
      });
    });
    socket = opening;
    opening.catch(() => {
      if (socket === opening) socket = null;
    });
    return opening;
  };

  const call = async (method: ApiMethodName, arg: unknown): Promise<unknown> => {
    const checked = API_METHODS[method].arg.safeParse(arg);
    if (!checked.success) throw new Error(`${method}: ${describeIssues(checked.error)}`);
    const ws = await open();
    if (ws.readyState !== OPEN) throw new Error('the connection to the SDE Studio server was lost');
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { method, resolve, reject });
      ws.send(encodeMessage(arg === undefined ? { id, method } : { id, method, arg }));
    });
  };

  const methods = Object.fromEntries(
    API_METHOD_NAMES.map((name) => [name, (arg?: unknown) => call(name, arg)]),
  ) as unknown as ApiMethods;

  return {
    ...methods,
    capabilities: { host: 'browser', canSaveToDisk: false },
    onEvent(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    close() {
      const current = socket;
      socket = null;
      void current?.then((ws) => ws.close(1000, 'closed by the page')).catch(() => undefined);
    },
  };
}
