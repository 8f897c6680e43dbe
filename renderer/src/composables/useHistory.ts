import { computed, shallowRef } from 'vue';

/** One undoable change. `bytes` is what the entry keeps alive (diff tiles, image buffers). */
export interface HistoryEntry {
  label: string;
  bytes: number;
  undo(): void;
  redo(): void;
}

/** Default cap on what the undo and redo stacks may hold together. */
export const DEFAULT_HISTORY_BYTES = 512 * 1024 * 1024;

/**
 * Undo/redo of mask strokes and applied results alike. Entries carry their own undo/redo (so a
 * stroke stores only its dirty tiles and an applied result only the before/after image buffers),
 * and the oldest entries are dropped once the stacks together exceed `maxBytes`.
 */
export function useHistory(maxBytes = DEFAULT_HISTORY_BYTES) {
  const undoStack = shallowRef<HistoryEntry[]>([]);
  const redoStack = shallowRef<HistoryEntry[]>([]);

  const totalBytes = computed(
    () =>
      undoStack.value.reduce((n, e) => n + e.bytes, 0) +
      redoStack.value.reduce((n, e) => n + e.bytes, 0),
  );

  function enforceCap(): void {
    const undo = [...undoStack.value];
    const redo = [...redoStack.value];
    let total = [...undo, ...redo].reduce((n, e) => n + e.bytes, 0);
    // Drop the oldest undo steps first, then the farthest redo steps; the newest entry always stays.
    while (total > maxBytes && undo.length > 1) total -= undo.shift()!.bytes;
    while (total > maxBytes && redo.length > 0) total -= redo.shift()!.bytes;
    undoStack.value = undo;
    redoStack.value = redo;
  }

  /** Records a change that has already been made; a new change discards the redo branch. */
  function push(entry: HistoryEntry): void {
    undoStack.value = [...undoStack.value, entry];
    redoStack.value = [];
    enforceCap();
  }

  function undo(): string | null {
    const entry = undoStack.value.at(-1);
    if (!entry) return null;
    entry.undo();
    undoStack.value = undoStack.value.slice(0, -1);
    redoStack.value = [...redoStack.value, entry];
    return entry.label;
  }

  function redo(): string | null {
    const entry = redoStack.value.at(-1);
    if (!entry) return null;
    entry.redo();
    redoStack.value = redoStack.value.slice(0, -1);
    undoStack.value = [...undoStack.value, entry];
    return entry.label;
  }

  function clear(): void {
    undoStack.value = [];
    redoStack.value = [];
  }

  return {
    push,
    undo,
    redo,
    clear,
    canUndo: computed(() => undoStack.value.length > 0),
    canRedo: computed(() => redoStack.value.length > 0),
    undoLabel: computed(() => undoStack.value.at(-1)?.label ?? null),
    redoLabel: computed(() => redoStack.value.at(-1)?.label ?? null),
    totalBytes,
    size: computed(() => undoStack.value.length + redoStack.value.length),
  };
}
