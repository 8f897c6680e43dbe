/** The user's settings: validated on load (a broken file gives the defaults), written atomically. */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { settingsSchema, type Settings } from '../../preload/api.ts';
import type { EngineConfig } from './protocol.ts';

export const DEFAULT_SETTINGS: Settings = {
  provider: 'auto',
  threads: 0,
  defaultSampler: 'dpm++3m',
};

export interface SettingsStore {
  get(): Settings;
  set(settings: Settings): Promise<void>;
}

export function memorySettings(initial: Settings = DEFAULT_SETTINGS): SettingsStore {
  let current = initial;
  return {
    get: () => current,
    set: async (s) => {
      current = s;
    },
  };
}

/** Settings kept in a JSON file; unreadable or invalid content falls back to the defaults. */
export async function fileSettings(path: string): Promise<SettingsStore> {
  let current = DEFAULT_SETTINGS;
  try {
    const parsed = settingsSchema.partial().safeParse(JSON.parse(await readFile(path, 'utf8')));
    if (parsed.success) current = { ...DEFAULT_SETTINGS, ...parsed.data };
  } catch {
    // No file yet, or not JSON: the defaults.
  }
  return {
    get: () => current,
    set: async (s) => {
      current = s;
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.tmp`;
      await writeFile(tmp, JSON.stringify(s, null, 2));
      await rename(tmp, path);
    },
  };
}

export function engineConfigOf(s: Settings): EngineConfig {
  return { threads: s.threads, ...(s.provider === 'auto' ? {} : { providers: [s.provider] }) };
}
