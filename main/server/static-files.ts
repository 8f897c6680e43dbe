/**
 * The built renderer as static files: only files inside the root (no `..`, no symlinks out of it,
 * no dotfiles), correct MIME types, and index.html for the app's own routes.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, posix, sep } from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

export function mimeType(path: string): string {
  return MIME[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

export type StaticLookup =
  { kind: 'file'; path: string } | { kind: 'refused' } | { kind: 'missing' };

/**
 * The file a URL path names inside `root`. Paths that leave the root, name hidden files or do not
 * decode are refused; a missing path without an extension is an app route and gets index.html.
 */
export async function lookupStatic(root: string, urlPath: string): Promise<StaticLookup> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { kind: 'refused' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { kind: 'refused' };
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..' || (s.startsWith('.') && s.length > 0)))
    return { kind: 'refused' };
  const relative = posix.normalize(decoded).replace(/^\/+/, '');
  const realRoot = await realpath(root).catch(() => null);
  if (realRoot === null) return { kind: 'missing' };
  const candidate = relative === '' ? 'index.html' : relative;
  const found = await inside(realRoot, join(realRoot, candidate));
  if (found.kind !== 'missing') return found;
  if (extname(candidate) === '') return inside(realRoot, join(realRoot, 'index.html'));
  return { kind: 'missing' };
}

async function inside(realRoot: string, path: string): Promise<StaticLookup> {
  const real = await realpath(path).catch(() => null);
  if (real === null) return { kind: 'missing' };
  if (!real.startsWith(realRoot + sep)) return { kind: 'refused' };
  const info = await stat(real);
  if (info.isDirectory()) return inside(realRoot, join(real, 'index.html'));
  return info.isFile() ? { kind: 'file', path: real } : { kind: 'missing' };
}

export function sendFile(
  res: ServerResponse,
  path: string,
  headers: Record<string, string>,
  headOnly: boolean,
): void {
  res.writeHead(200, {
    ...headers,
    'Content-Type': mimeType(path),
    // index.html names hashed assets; it must be fetched again after a rebuild.
    'Cache-Control': path.endsWith('.html') ? 'no-store' : 'no-cache',
  });
  if (headOnly) {
    res.end();
    return;
  }
  createReadStream(path)
    .on('error', () => res.destroy())
    .pipe(res);
}
