/**
 * The open document: what the host decoded (docId, size, notes) and the PNG shown on the canvas,
 * plus the document it replaced (for before/after comparison). Mutated only here: `open` (file,
 * drop, paste), `show` (the host opened one from its menu) and `applyResult` (a picked variant
 * becomes the document, undoably). Every document opened this session is listed in `library`, so
 * that interpolation can pick its ends among them.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { DocumentInfo, JobResult } from '../../../preload/api';
import { api, messageOf } from '../api/host';
import { baseName, pngUrl } from '../lib/images';
import { useEditorStore } from './editor';
import { useNoticesStore } from './notices';

export interface OpenDocument {
  docId: string;
  name: string;
  width: number;
  height: number;
  isGray: boolean;
  notes: string[];
  png: Uint8Array;
  url: string;
}

function toOpen(info: DocumentInfo): OpenDocument {
  const { displayPng, ...rest } = info;
  return { ...rest, png: displayPng, url: pngUrl(displayPng) };
}

export const useDocumentStore = defineStore('document', () => {
  const current = shallowRef<OpenDocument | null>(null);
  /** What the last applied result replaced; null when there is nothing to compare. */
  const before = shallowRef<OpenDocument | null>(null);
  const library = shallowRef<OpenDocument[]>([]);
  const opening = ref(false);
  const editor = useEditorStore();
  const notices = useNoticesStore();

  const hasDocument = computed(() => current.value !== null);

  /** A freshly opened document: new mask, fresh history, nothing to compare. */
  function show(info: DocumentInfo): OpenDocument {
    const doc = toOpen(info);
    current.value = doc;
    before.value = null;
    library.value = [...library.value, doc];
    editor.newMask(doc.width, doc.height);
    for (const note of doc.notes) notices.info(note);
    return doc;
  }

  async function open(bytes: Uint8Array, name: string): Promise<OpenDocument | null> {
    opening.value = true;
    try {
      return show(await api().openImage({ bytes, name }));
    } catch (e) {
      notices.error(`Could not open ${name}`, messageOf(e));
      return null;
    } finally {
      opening.value = false;
    }
  }

  async function openFile(file: File): Promise<OpenDocument | null> {
    return open(new Uint8Array(await file.arrayBuffer()), file.name || 'pasted image.png');
  }

  /** Registers an image (a generated sample) as a document without showing it, for interpolation. */
  async function addToLibrary(png: Uint8Array, name: string): Promise<OpenDocument | null> {
    try {
      const doc = toOpen(await api().openImage({ bytes: png, name }));
      library.value = [...library.value, doc];
      return doc;
    } catch (e) {
      notices.error(`Could not use ${name}`, messageOf(e));
      return null;
    }
  }

  /**
   * Makes a result the document. The host knows documents only by what it decoded, so the result
   * is opened as a new document; undo switches back to the previous one (kept open meanwhile).
   * The mask that produced the result is cleared in the same undo step.
   */
  async function applyResult(result: JobResult, label: string): Promise<boolean> {
    const prev = current.value;
    if (!prev) return false;
    if (result.width !== prev.width || result.height !== prev.height) {
      notices.error(
        `The result is ${result.width}x${result.height} but the image is ${prev.width}x${prev.height}`,
      );
      return false;
    }
    let next: OpenDocument;
    try {
      next = toOpen(
        await api().openImage({ bytes: result.png, name: `${baseName(prev.name)} ${label}.png` }),
      );
    } catch (e) {
      notices.error('Could not apply the result', messageOf(e));
      return false;
    }
    const cleared = editor.mask?.clear() ?? null;
    const m = editor.mask;
    const prevBefore = before.value;
    current.value = next;
    before.value = prev;
    editor.history.push({
      label,
      bytes: prev.png.byteLength + next.png.byteLength + (cleared?.bytes ?? 0),
      undo: () => {
        current.value = prev;
        before.value = prevBefore;
        if (cleared && m) m.apply(cleared, 'undo');
      },
      redo: () => {
        current.value = next;
        before.value = prev;
        if (cleared && m) m.apply(cleared, 'redo');
      },
    });
    return true;
  }

  return {
    current,
    before,
    library,
    opening,
    hasDocument,
    show,
    open,
    openFile,
    addToLibrary,
    applyResult,
  };
});
