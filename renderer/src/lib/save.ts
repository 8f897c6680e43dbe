import { api, messageOf } from '../api/host';
import { useEngineStore } from '../stores/engine';
import { useNoticesStore } from '../stores/notices';

/**
 * Saves bytes the way the host allows: a native save dialog in the app, a download in the
 * browser (where the page may not write files).
 */
export async function saveBytes(
  bytes: Uint8Array,
  suggestedName: string,
  kind: 'image' | 'mask' | 'animation',
): Promise<void> {
  const engine = useEngineStore();
  const notices = useNoticesStore();
  if (engine.capabilities.canSaveToDisk) {
    try {
      const saved = await api().saveBytes({ bytes, suggestedName, kind });
      if (saved) notices.info(`Saved ${saved.path}`);
    } catch (e) {
      notices.error(`Could not save ${suggestedName}`, messageOf(e));
    }
    return;
  }
  const type = kind === 'animation' ? 'image/gif' : 'image/png';
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = suggestedName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
