import { stat } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { UsageError } from './args.ts';

/**
 * Checks `--out` before any work starts, so a typo costs nothing: a known extension, an existing
 * folder, and not a folder itself. Returns the absolute path and its lower-case extension.
 */
export async function checkOutPath(
  path: string,
  extensions: readonly string[],
): Promise<{ path: string; ext: string }> {
  const full = resolve(path);
  const ext = extname(full).toLowerCase();
  if (!extensions.includes(ext)) {
    throw new UsageError(`--out: expected a file ending ${extensions.join(' or ')}, got "${path}"`);
  }
  const folder = await stat(dirname(full)).catch(() => undefined);
  if (!folder?.isDirectory()) throw new UsageError(`--out: folder ${dirname(full)} does not exist`);
  const existing = await stat(full).catch(() => undefined);
  if (existing?.isDirectory()) throw new UsageError(`--out: ${full} is a folder`);
  return { path: full, ext };
}
