import { computed, ref, type Ref } from 'vue';

/**
 * Before/after comparison of the current image with what it was before the last applied result:
 * `split` shows "before" left of a draggable divider, `before` shows it whole (Tab toggles), `off`
 * shows only the current image. Without a "before" there is nothing to compare and the mode is off.
 */
export type CompareMode = 'off' | 'split' | 'before';

export function useCompare(hasBefore: Ref<boolean>) {
  const requested = ref<CompareMode>('off');
  /** Divider position as a fraction of the image width. */
  const position = ref(0.5);

  const mode = computed<CompareMode>(() => (hasBefore.value ? requested.value : 'off'));

  /** Tab: flip between the result and what it replaced. */
  function toggle(): void {
    if (!hasBefore.value) return;
    requested.value = requested.value === 'before' ? 'off' : 'before';
  }

  function setMode(m: CompareMode): void {
    requested.value = m;
  }

  function setPosition(fraction: number): void {
    position.value = Math.min(1, Math.max(0, fraction));
  }

  /** Divider from a pointer x (screen) over an image drawn from `left` with `width` on screen. */
  function dragTo(screenX: number, left: number, width: number): void {
    if (width > 0) setPosition((screenX - left) / width);
  }

  /** Width in image pixels of the "before" part, for clipping the before layer. */
  function beforeWidth(imageWidth: number): number {
    if (mode.value === 'before') return imageWidth;
    if (mode.value === 'split') return Math.round(position.value * imageWidth);
    return 0;
  }

  return { mode, position, toggle, setMode, setPosition, dragTo, beforeWidth };
}
