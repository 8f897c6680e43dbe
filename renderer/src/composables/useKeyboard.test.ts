// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import { SHORTCUTS, findShortcut, formatCombo, matches, useKeyboard } from './useKeyboard';

const key = (k: string, mods: Partial<KeyboardEventInit> = {}) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...mods,
});

describe('useKeyboard', () => {
  it('lets a key keep its usual meaning when the handler has nothing to do', () => {
    const kb = useKeyboard({ compare: () => false, brush: () => undefined });
    const tab = new KeyboardEvent('keydown', { key: 'Tab', cancelable: true });
    kb.onKeyDown(tab);
    expect(tab.defaultPrevented).toBe(false);
    const b = new KeyboardEvent('keydown', { key: 'b', cancelable: true });
    kb.onKeyDown(b);
    expect(b.defaultPrevented).toBe(true);
  });

  it('matches combos exactly, with Mod as Ctrl or Cmd', () => {
    expect(matches(key('z', { ctrlKey: true }), 'Mod+Z', false)).toBe(true);
    expect(matches(key('z', { metaKey: true }), 'Mod+Z', true)).toBe(true);
    expect(matches(key('z', { metaKey: true }), 'Mod+Z', false)).toBe(false);
    expect(matches(key('Z', { ctrlKey: true, shiftKey: true }), 'Mod+Z', false)).toBe(false);
    expect(findShortcut(key('Z', { ctrlKey: true, shiftKey: true }), false)).toBe('redo');
    expect(findShortcut(key('z'), false)).toBeNull();
  });

  it('reads shifted brackets as Shift+[ and Shift+]', () => {
    expect(findShortcut(key(']'), false)).toBe('brushBigger');
    expect(findShortcut(key('}', { shiftKey: true }), false)).toBe('harder');
    expect(findShortcut(key('{', { shiftKey: true }), false)).toBe('softer');
    expect(findShortcut(key('?', { shiftKey: true }), false)).toBe('help');
    expect(findShortcut(key('7'), false)).toBe('pick');
  });

  it('has one entry per action and no combo bound twice', () => {
    const ids = SHORTCUTS.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    const combos = SHORTCUTS.flatMap((s) => s.keys);
    expect(new Set(combos).size).toBe(combos.length);
    expect(formatCombo('Mod+Shift+Z', false)).toBe('Ctrl+Shift+Z');
    expect(formatCombo('Mod+Shift+Z', true)).toBe('⌘⇧Z');
  });

  it('dispatches window keys to handlers, tracks Space, and leaves text fields alone', () => {
    const undo = vi.fn();
    const cancel = vi.fn();
    const kb = useKeyboard({ undo, cancel });
    kb.attach();
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'z', ctrlKey: true }));
    expect(undo).toHaveBeenCalledTimes(1);
    window.dispatchEvent(new KeyboardEvent('keydown', { key: ' ' }));
    expect(kb.spaceHeld.value).toBe(true);
    window.dispatchEvent(new KeyboardEvent('keyup', { key: ' ' }));
    expect(kb.spaceHeld.value).toBe(false);

    const input = document.createElement('input');
    document.body.append(input);
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'z', ctrlKey: true, bubbles: true }));
    expect(undo).toHaveBeenCalledTimes(1);
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    expect(cancel).toHaveBeenCalledTimes(1);

    const button = document.createElement('button');
    document.body.append(button);
    button.dispatchEvent(new KeyboardEvent('keydown', { key: ' ', bubbles: true }));
    expect(kb.spaceHeld.value).toBe(false);
    kb.detach();
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'z', ctrlKey: true }));
    expect(undo).toHaveBeenCalledTimes(1);
  });
});
