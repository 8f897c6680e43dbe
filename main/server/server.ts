/**
 * Browser mode: the built renderer and the SdeStudioApi over one HTTP server. The API is a
 * WebSocket at /api (wire format: preload/ws-codec.ts) that needs the session's random token
 * (the `token` query parameter, or the cookie the page got when it was opened with it) and a
 * request from the server's own origin. Host headers are checked so that a DNS-rebinding page
 * cannot pose as 127.0.0.1.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { LIMITS, type AppEvent } from '../../preload/api.ts';
import { decodeMessage, encodeMessage, requestFrameSchema } from '../../preload/ws-codec.ts';
import type { ApiHost } from '../engine-host/api-impl.ts';
import { checkedEvent, dispatch } from '../engine-host/dispatch.ts';
import { rendererCsp } from './csp.ts';
import { lookupStatic, sendFile } from './static-files.ts';

export interface ServerOptions {
  host: Pick<ApiHost, 'handlers' | 'onEvent'>;
  /** The built renderer (dist/renderer). */
  rendererDir: string;
  /** Interface to listen on; 127.0.0.1 unless the user said otherwise. */
  listenHost?: string;
  /** 0: any free port. */
  port?: number;
  /** Fixed token (tests); random otherwise. */
  token?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const COOKIE = 'sde_studio_token';
/** base64 inflates the largest accepted image by 4/3; JSON framing adds a little. */
const MAX_FRAME_BYTES = Math.ceil((LIMITS.maxSaveBytes * 4) / 3) + 1024 * 1024;
/** Progress events are dropped (not queued) for a client this far behind; results never are. */
const SLOW_CLIENT_BYTES = 16 * 1024 * 1024;

function sameSecret(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieToken(req: IncomingMessage): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return v.join('=');
  }
  return null;
}

function refuseUpgrade(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const listenHost = options.listenHost ?? '127.0.0.1';
  const token = options.token ?? randomBytes(24).toString('base64url');
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  let port = 0;

  /** Host header values this server answers to. */
  const hostOk = (req: IncomingMessage): boolean => {
    const host = req.headers.host ?? '';
    if (listenHost === '0.0.0.0' || listenHost === '::') return host !== '';
    const names = new Set(['127.0.0.1', 'localhost', listenHost].map((h) => `${h}:${port}`));
    return names.has(host);
  };

  const authorized = (req: IncomingMessage, url: URL): boolean =>
    sameSecret(url.searchParams.get('token'), token) || sameSecret(cookieToken(req), token);

  const securityHeaders = (req: IncomingMessage): Record<string, string> => ({
    'Content-Security-Policy': rendererCsp([`ws://${req.headers.host ?? ''}`]),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
  });

  const handleHttp = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const plain = (status: number, text: string) => {
      res.writeHead(status, {
        'Content-Type': 'text/plain; charset=utf-8',
        'X-Content-Type-Options': 'nosniff',
      });
      res.end(`${text}\n`);
    };
    if (!hostOk(req)) return plain(421, 'wrong host');
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(405, 'method not allowed');
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!authorized(req, url)) {
      return plain(
        401,
        'open the address that `npm run serve` printed (it carries the access token)',
      );
    }
    // The raw path: URL parsing would silently resolve `..` segments that should be refused.
    const rawPath = (req.url ?? '/').split(/[?#]/)[0]!;
    const found = await lookupStatic(options.rendererDir, rawPath);
    if (found.kind === 'refused') return plain(403, 'forbidden');
    if (found.kind === 'missing') {
      return plain(404, `not found${url.pathname === '/' ? ' (build the renderer first)' : ''}`);
    }
    const headers = securityHeaders(req);
    if (url.searchParams.has('token')) {
      // The page's own asset requests carry no query: the cookie lets them in.
      headers['Set-Cookie'] = `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    }
    sendFile(res, found.path, headers, req.method === 'HEAD');
  };

  const server: Server = createServer((req, res) => {
    handleHttp(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!hostOk(req)) return refuseUpgrade(socket, '421 Misdirected Request');
    if (url.pathname !== '/api') return refuseUpgrade(socket, '404 Not Found');
    if (!authorized(req, url)) return refuseUpgrade(socket, '401 Unauthorized');
    // A page from any other origin must not drive the API, even with a leaked token.
    if (req.headers.origin !== `http://${req.headers.host}`)
      return refuseUpgrade(socket, '403 Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws));
  });

  const serve = (ws: WebSocket): void => {
    const send = (frame: unknown) => {
      if (ws.readyState === ws.OPEN) ws.send(encodeMessage(frame));
    };
    const unsubscribe = options.host.onEvent((event: AppEvent) => {
      if (event.type === 'progress' && ws.bufferedAmount > SLOW_CLIENT_BYTES) return;
      const checked = checkedEvent(event);
      if (checked) send({ event: checked });
    });
    ws.on('close', unsubscribe);
    // An oversized or malformed frame: drop this client, never the server.
    ws.on('error', () => ws.terminate());
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        ws.close(1003, 'text frames only');
        return;
      }
      let frame: unknown;
      try {
        frame = decodeMessage(data.toString());
      } catch {
        ws.close(1007, 'malformed message');
        return;
      }
      const request = requestFrameSchema.safeParse(frame);
      if (!request.success) {
        const id = (frame as { id?: unknown } | null)?.id;
        send({ id: typeof id === 'number' ? id : -1, ok: false, error: 'malformed request' });
        return;
      }
      const { id, method, arg } = request.data;
      void dispatch(options.host.handlers, method, arg).then((outcome) => send({ id, ...outcome }));
    });
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, listenHost, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const shown = listenHost.includes(':') ? `[${listenHost}]` : listenHost;
  return {
    url: `http://${shown}:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
