// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { ref } from 'vue';
import { useCompare } from './useCompare';

describe('useCompare', () => {
  it('stays off while there is nothing to compare', () => {
    const has = ref(false);
    const c = useCompare(has);
    c.toggle();
    expect(c.mode.value).toBe('off');
    c.setMode('split');
    expect(c.mode.value).toBe('off');
    expect(c.beforeWidth(100)).toBe(0);
    has.value = true;
    expect(c.mode.value).toBe('split');
  });

  it('toggles before/after with Tab and splits at the divider', () => {
    const c = useCompare(ref(true));
    c.toggle();
    expect(c.mode.value).toBe('before');
    expect(c.beforeWidth(640)).toBe(640);
    c.toggle();
    expect(c.mode.value).toBe('off');
    c.setMode('split');
    c.dragTo(350, 100, 1000);
    expect(c.position.value).toBeCloseTo(0.25);
    expect(c.beforeWidth(640)).toBe(160);
    c.dragTo(-50, 100, 1000);
    expect(c.position.value).toBe(0);
    c.dragTo(5000, 100, 1000);
    expect(c.position.value).toBe(1);
  });
});
