import { readdir, stat } from 'node:fs/promises';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MANIFEST_FILE, readManifest, type Manifest } from './score/manifest.ts';

/** The repository (or installed app) root, found from this file rather than the working directory. */
export const APP_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Folders holding model folders: the bundled `models/`, then `SDE_STUDIO_MODELS` (path-delimited). */
export function modelRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  const extra = (env['SDE_STUDIO_MODELS'] ?? '').split(delimiter).filter((p) => p.trim() !== '');
  return [join(APP_ROOT, 'models'), ...extra.map((p) => resolve(p))];
}

export interface ModelEntry {
  /** The manifest's id, or the folder name when the manifest is broken. */
  id: string;
  dir: string;
  manifest?: Manifest;
  /** Why the folder cannot be used; listed rather than hidden so users can fix their imports. */
  error?: string;
}

/** Every `<root>/<folder>/model.json`; roots that do not exist are skipped. */
export async function listModels(roots: readonly string[] = modelRoots()): Promise<ModelEntry[]> {
  const entries: ModelEntry[] = [];
  for (const root of roots) {
    const names = await readdir(root).catch(() => [] as string[]);
    for (const name of names.sort()) {
      const dir = join(root, name);
      const hasManifest = await stat(join(dir, MANIFEST_FILE)).then(
        (s) => s.isFile(),
        () => false,
      );
      if (!hasManifest) continue;
      try {
        const manifest = await readManifest(dir);
        entries.push({ id: manifest.id, dir, manifest });
      } catch (e) {
        entries.push({ id: name, dir, error: (e as Error).message });
      }
    }
  }
  return entries;
}

/**
 * `--model`: a path (anything with a separator, starting with ".", or an existing folder) is taken
 * as is; otherwise the id of a listed model. The first root wins when two hold the same id.
 */
export async function resolveModelDir(
  ref: string,
  roots: readonly string[] = modelRoots(),
  cwd: string = process.cwd(),
): Promise<string> {
  const looksLikePath = isAbsolute(ref) || /[\\/]/.test(ref) || ref.startsWith('.');
  const asPath = resolve(cwd, ref);
  if (looksLikePath || (await isDirectory(asPath))) {
    if (!(await isDirectory(asPath))) throw new Error(`no such model folder: ${asPath}`);
    return asPath;
  }
  const models = await listModels(roots);
  const found = models.find((m) => m.id === ref);
  if (found) {
    if (found.error) throw new Error(found.error);
    return found.dir;
  }
  const known = models.filter((m) => !m.error).map((m) => m.id);
  throw new Error(
    `unknown model "${ref}": not a model id (${known.length ? `known: ${known.join(', ')}` : 'no models installed'}) nor a folder`,
  );
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
