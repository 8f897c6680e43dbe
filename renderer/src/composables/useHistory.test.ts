// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { useHistory, type HistoryEntry } from './useHistory';
import { MaskBitmap } from './useMaskBitmap';

/** An entry that moves a counter, so undo/redo order is visible. */
function step(state: { v: number }, label: string, bytes = 10): HistoryEntry {
  const before = state.v;
  state.v += 1;
  const after = state.v;
  return {
    label,
    bytes,
    undo: () => (state.v = before),
    redo: () => (state.v = after),
  };
}

describe('useHistory', () => {
  it('undoes and redoes in order and drops the redo branch on a new change', () => {
    const h = useHistory();
    const s = { v: 0 };
    h.push(step(s, 'a'));
    h.push(step(s, 'b'));
    expect(h.undoLabel.value).toBe('b');
    expect(h.undo()).toBe('b');
    expect(s.v).toBe(1);
    expect(h.canRedo.value).toBe(true);
    expect(h.redo()).toBe('b');
    expect(s.v).toBe(2);
    h.undo();
    h.push(step(s, 'c'));
    expect(h.canRedo.value).toBe(false);
    expect(h.redo()).toBeNull();
    h.undo();
    h.undo();
    expect(s.v).toBe(0);
    expect(h.undo()).toBeNull();
  });

  it('keeps the stacks under the byte cap by dropping the oldest steps', () => {
    const h = useHistory(100);
    const s = { v: 0 };
    for (let i = 0; i < 5; i++) h.push(step(s, `s${i}`, 30));
    expect(h.totalBytes.value).toBe(90);
    expect(h.size.value).toBe(3);
    h.undo();
    h.undo();
    h.undo();
    expect(h.canUndo.value).toBe(false);
    expect(s.v).toBe(2);
    // A single entry larger than the cap is still kept: the latest change is always undoable.
    h.push(step(s, 'huge', 1000));
    expect(h.size.value).toBe(1);
    expect(h.undoLabel.value).toBe('huge');
  });

  it('undoes a mask stroke from its tile diff (strokes and applied results share one history)', () => {
    const h = useHistory();
    const m = new MaskBitmap(300, 300);
    m.beginEdit();
    m.stampDab({ x: 150, y: 150 }, 20, 1, 'paint');
    const diff = m.endEdit()!;
    h.push({
      label: 'Brush',
      bytes: diff.bytes,
      undo: () => m.apply(diff, 'undo'),
      redo: () => m.apply(diff, 'redo'),
    });
    expect(h.totalBytes.value).toBeLessThan(300 * 300);
    h.undo();
    expect(m.isEmpty()).toBe(true);
    h.redo();
    expect(m.isEmpty()).toBe(false);
  });
});
