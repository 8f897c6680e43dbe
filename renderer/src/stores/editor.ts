/**
 * The editing state of the canvas: the active tool, the brush, the mask bitmap, how the mask
 * overlay is drawn, and the one undo history shared by mask edits and applied results.
 * Mutated by the canvas (strokes), the toolbar and shortcuts (tool, brush, mask operations), and
 * the document store (a new document resets the mask and history; applying a result pushes onto
 * the history). The canvas registers its zoom commands here so that menus and shortcuts reach them.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { useBrush } from '../composables/useBrush';
import { useHistory } from '../composables/useHistory';
import { useMaskBitmap, type MaskDiff } from '../composables/useMaskBitmap';

export type Tool = 'brush' | 'eraser' | 'rect' | 'lasso' | 'pan';

export const TOOL_LABELS: Record<Tool, string> = {
  brush: 'Brush',
  eraser: 'Eraser',
  rect: 'Rectangle',
  lasso: 'Lasso',
  pan: 'Hand',
};

export interface ViewCommands {
  fit(): void;
  actualSize(): void;
  zoomBy(factor: number): void;
}

export const useEditorStore = defineStore('editor', () => {
  const tool = ref<Tool>('brush');
  const brush = useBrush();
  const { mask, reset } = useMaskBitmap();
  const history = useHistory();
  const overlayOpacity = ref(0.5);
  const overlayVisible = ref(true);
  /** The overlay tint, red like most editors' quick mask. */
  const overlayColor = ref<[number, number, number]>([255, 48, 64]);
  const view = shallowRef<ViewCommands | null>(null);
  /** Mirrors the mask's version so that computed values depending on the mask update. */
  const maskVersion = computed(() => mask.value?.version.value ?? 0);

  function setTool(t: Tool): void {
    tool.value = t;
  }

  /** Records a finished mask edit; `label` is what Undo says. */
  function recordMask(diff: MaskDiff | null, label: string): void {
    const m = mask.value;
    if (!diff || !m) return;
    history.push({
      label,
      bytes: diff.bytes,
      undo: () => m.apply(diff, 'undo'),
      redo: () => m.apply(diff, 'redo'),
    });
  }

  function invertMask(): void {
    recordMask(mask.value?.invert() ?? null, 'Invert mask');
  }

  function clearMask(): void {
    recordMask(mask.value?.clear() ?? null, 'Clear mask');
  }

  function newMask(width: number, height: number): void {
    reset(width, height);
    history.clear();
  }

  function setHardness(h: number): void {
    brush.hardness.value = Math.round(Math.min(1, Math.max(0, h)) * 100) / 100;
  }

  return {
    tool,
    brush,
    mask,
    maskVersion,
    history,
    overlayOpacity,
    overlayVisible,
    overlayColor,
    view,
    setTool,
    recordMask,
    invertMask,
    clearMask,
    newMask,
    setHardness,
  };
});
