/**
 * The renderer's Content-Security-Policy, shared by browser mode and Electron: its own scripts and
 * styles only, images from itself and from blob:/data: URLs it makes, connections only to its host.
 * Inline styles stay allowed because Vue and Konva set style attributes at run time.
 */
export function rendererCsp(connect: readonly string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self'",
    `connect-src 'self'${connect.map((c) => ` ${c}`).join('')}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
