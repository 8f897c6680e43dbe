import { computed, ref } from 'vue';
import type { Point } from './useCoordinates';

export const MIN_SIZE = 1;
export const MAX_SIZE = 2000;

/**
 * The brush: diameter in image pixels, hardness, and the spacing of dabs along a stroke as a
 * fraction of the diameter (Krita and Photoshop default to about a quarter; less gives smoother
 * soft edges at more cost). A stroke is turned into evenly spaced dab centres here, independent of
 * how often the pointer reports, so fast and slow strokes paint the same.
 */
export function useBrush(initial: { size?: number; hardness?: number; spacing?: number } = {}) {
  const size = ref(initial.size ?? 40);
  const hardness = ref(initial.hardness ?? 0.8);
  const spacing = ref(initial.spacing ?? 0.15);
  const radius = computed(() => size.value / 2);

  let last: Point | null = null;
  /** Distance travelled since the last dab, carried across pointer events. */
  let carried = 0;

  function setSize(s: number): void {
    size.value = Math.round(Math.min(MAX_SIZE, Math.max(MIN_SIZE, s)));
  }

  /** `]`: grow by about 15% (at least 1 px), so the keys work at 3 px and at 800 px alike. */
  function bigger(): void {
    setSize(Math.max(size.value + 1, size.value * 1.15));
  }

  function smaller(): void {
    setSize(Math.min(size.value - 1, size.value / 1.15));
  }

  function step(): number {
    return Math.max(0.5, size.value * spacing.value);
  }

  /** Starts a stroke; the first dab sits where the pointer went down. */
  function begin(p: Point): Point[] {
    last = p;
    carried = 0;
    return [p];
  }

  /** Dab centres along the segment from the last position to `p`. */
  function moveTo(p: Point): Point[] {
    if (!last) return [];
    const dx = p.x - last.x;
    const dy = p.y - last.y;
    const len = Math.hypot(dx, dy);
    const s = step();
    const dabs: Point[] = [];
    let d = s - carried;
    while (d <= len) {
      dabs.push({ x: last.x + (dx * d) / len, y: last.y + (dy * d) / len });
      d += s;
    }
    carried = len - (d - s);
    last = p;
    return dabs;
  }

  function end(): void {
    last = null;
    carried = 0;
  }

  return { size, hardness, spacing, radius, setSize, bigger, smaller, begin, moveTo, end };
}
