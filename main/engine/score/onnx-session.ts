import { env, InferenceSession, listSupportedBackends } from 'onnxruntime-node';

// onnxruntime logs a failed provider attempt to stderr in colour before throwing; every failure
// reaches the caller as an exception (and a fallback as a note), so its own log only adds noise.
// Read once, when the first session is created.
env.logLevel = 'fatal';

/** Execution-provider names as onnxruntime-node spells them. */
export const PROVIDERS = ['cpu', 'cuda', 'tensorrt', 'dml', 'coreml', 'webgpu'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** The GPU provider each desktop platform ships with, then the CPU, which always works. */
export function defaultProviders(platform: NodeJS.Platform = process.platform): ProviderName[] {
  switch (platform) {
    case 'linux':
      return ['cuda', 'cpu'];
    case 'win32':
      return ['dml', 'cpu'];
    case 'darwin':
      return ['coreml', 'cpu'];
    default:
      return ['cpu'];
  }
}

export interface SessionOptions {
  /** Providers to try in order; the CPU is appended when missing. Default: `defaultProviders()`. */
  providers?: readonly ProviderName[];
  /** Intra-op threads of the CPU provider; 0 or undefined lets onnxruntime choose. */
  threads?: number;
}

export interface OpenedSession {
  session: InferenceSession;
  /** The provider the session runs on. */
  provider: ProviderName;
  /** Each provider skipped and why, then the one that runs; empty when the first one worked. */
  notes: string[];
}

/**
 * Opens `path` on the first provider that works. onnxruntime-node silently drops providers it was
 * not built with, which would make the reported provider a lie, so those are skipped up front; the
 * others (e.g. CUDA without its libraries) throw at creation and are caught here.
 */
export async function openSession(
  path: string,
  options: SessionOptions = {},
): Promise<OpenedSession> {
  const wanted = [...(options.providers ?? defaultProviders())];
  if (!wanted.includes('cpu')) wanted.push('cpu');
  const built = new Set(listSupportedBackends().map((b) => b.name));
  const notes: string[] = [];
  let lastError: unknown;
  for (const [i, provider] of wanted.entries()) {
    const next = wanted[i + 1] ?? 'nothing else';
    if (!built.has(provider)) {
      notes.push(`${provider} is not part of this onnxruntime build; trying ${next}`);
      continue;
    }
    try {
      const session = await InferenceSession.create(path, {
        // A non-CPU provider still leaves the operators it lacks to the CPU.
        executionProviders: provider === 'cpu' ? ['cpu'] : [provider, 'cpu'],
        intraOpNumThreads: options.threads ?? 0,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
      });
      if (notes.length > 0) notes.push(`running on ${provider}`);
      return { session, provider, notes };
    } catch (e) {
      lastError = e;
      if (provider !== 'cpu')
        notes.push(`${provider} unavailable (${firstLine(e)}); trying ${next}`);
    }
  }
  throw new Error(`cannot load ${path}: ${firstLine(lastError)}`);
}

function firstLine(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.split('\n')[0]!.trim();
}
