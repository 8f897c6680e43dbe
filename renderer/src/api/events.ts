import type { AppEvent, MenuCommand } from '../../../preload/api';
import { decodeToRgba } from '../lib/images';
import { useDocumentStore } from '../stores/document';
import { useEditorStore } from '../stores/editor';
import { useEngineStore } from '../stores/engine';
import { useJobsStore } from '../stores/jobs';
import { useNoticesStore } from '../stores/notices';
import { api, messageOf } from './host';

/** Replaces the mask with a decoded image file (white = fill), as one undo step. */
export async function importMaskBytes(bytes: Uint8Array, name: string): Promise<void> {
  const editor = useEditorStore();
  const notices = useNoticesStore();
  const m = editor.mask;
  if (!m) return void notices.warn('Open an image before importing a mask');
  try {
    const { rgba, width, height } = await decodeToRgba(bytes);
    editor.recordMask(m.importRgba(rgba, width, height), 'Import mask');
  } catch (e) {
    notices.error(`Could not use ${name} as a mask`, messageOf(e));
  }
}

/**
 * Routes every host event to the store that owns it; menu commands go to `onMenu`. Returns the
 * unsubscribe function.
 */
export function routeEvents(onMenu: (command: MenuCommand) => void): () => void {
  const jobs = useJobsStore();
  const engine = useEngineStore();
  const doc = useDocumentStore();
  return api().onEvent((e: AppEvent) => {
    switch (e.type) {
      case 'progress':
      case 'done':
      case 'error':
      case 'cancelled':
        jobs.handle(e);
        return;
      case 'engine':
        engine.onEngineEvent(e);
        // A crash ends the running job without its own event.
        if (e.status === 'crashed' && jobs.active) {
          jobs.handle({ type: 'error', jobId: jobs.active.jobId ?? '', message: e.message });
        }
        return;
      case 'menu':
        onMenu(e.command);
        return;
      case 'document-opened':
        doc.show(e.document);
        return;
      case 'mask-imported':
        void importMaskBytes(e.bytes, e.name);
        return;
      case 'models-changed':
        void engine.refreshModels();
        return;
    }
  });
}
