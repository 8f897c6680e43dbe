import { getCurrentInstance, onBeforeUnmount, onMounted, ref } from 'vue';

export type ShortcutId =
  | 'undo'
  | 'redo'
  | 'brush'
  | 'eraser'
  | 'rect'
  | 'lasso'
  | 'brushSmaller'
  | 'brushBigger'
  | 'softer'
  | 'harder'
  | 'invertMask'
  | 'clearMask'
  | 'toggleMask'
  | 'zoomIn'
  | 'zoomOut'
  | 'zoomFit'
  | 'zoom100'
  | 'compare'
  | 'run'
  | 'cancel'
  | 'apply'
  | 'pick'
  | 'open'
  | 'save'
  | 'help';

export interface Shortcut {
  id: ShortcutId;
  /** Alternatives, each like "Mod+Shift+Z"; Mod is Ctrl, or Cmd on macOS. */
  keys: string[];
  description: string;
  group: 'Edit' | 'Tools' | 'View' | 'Jobs' | 'File';
}

/** The one table: the key handler reads it and the help panel renders it. */
export const SHORTCUTS: Shortcut[] = [
  { id: 'open', keys: ['Mod+O'], description: 'Open an image', group: 'File' },
  { id: 'save', keys: ['Mod+S'], description: 'Save the image', group: 'File' },
  { id: 'undo', keys: ['Mod+Z'], description: 'Undo', group: 'Edit' },
  { id: 'redo', keys: ['Mod+Shift+Z', 'Mod+Y'], description: 'Redo', group: 'Edit' },
  { id: 'invertMask', keys: ['Mod+I'], description: 'Invert the mask', group: 'Edit' },
  { id: 'clearMask', keys: ['Delete', 'Backspace'], description: 'Clear the mask', group: 'Edit' },
  { id: 'brush', keys: ['B'], description: 'Mask brush', group: 'Tools' },
  { id: 'eraser', keys: ['E'], description: 'Mask eraser', group: 'Tools' },
  { id: 'rect', keys: ['R'], description: 'Rectangle mask', group: 'Tools' },
  { id: 'lasso', keys: ['L'], description: 'Lasso mask', group: 'Tools' },
  { id: 'brushSmaller', keys: ['['], description: 'Smaller brush', group: 'Tools' },
  { id: 'brushBigger', keys: [']'], description: 'Bigger brush', group: 'Tools' },
  { id: 'softer', keys: ['Shift+['], description: 'Softer brush', group: 'Tools' },
  { id: 'harder', keys: ['Shift+]'], description: 'Harder brush', group: 'Tools' },
  { id: 'toggleMask', keys: ['H'], description: 'Show or hide the mask', group: 'View' },
  { id: 'zoomIn', keys: ['Mod+=', '='], description: 'Zoom in', group: 'View' },
  { id: 'zoomOut', keys: ['Mod+-', '-'], description: 'Zoom out', group: 'View' },
  { id: 'zoomFit', keys: ['Mod+0', 'F'], description: 'Fit to window', group: 'View' },
  { id: 'zoom100', keys: ['Mod+1'], description: 'Actual pixels (100%)', group: 'View' },
  { id: 'compare', keys: ['Tab'], description: 'Toggle before / after', group: 'View' },
  { id: 'run', keys: ['Mod+Enter'], description: 'Run the current task', group: 'Jobs' },
  { id: 'cancel', keys: ['Escape'], description: 'Cancel the running job', group: 'Jobs' },
  { id: 'apply', keys: ['Enter'], description: 'Apply the selected result', group: 'Jobs' },
  {
    id: 'pick',
    keys: ['1', '2', '3', '4', '5', '6', '7', '8', '9'],
    description: 'Pick result 1 to 9',
    group: 'Jobs',
  },
  { id: 'help', keys: ['Shift+/', 'F1'], description: 'Keyboard shortcuts', group: 'View' },
];

/** Shifted characters back to their key, so "Shift+]" matches the "}" a US layout reports. */
const UNSHIFTED: Record<string, string> = { '{': '[', '}': ']', '?': '/', '+': '=', _: '-' };

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
  target?: EventTarget | null;
}

export function isMac(): boolean {
  return typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
}

/** Whether `e` is exactly `combo` (no extra modifiers). */
export function matches(e: KeyLike, combo: string, mac = isMac()): boolean {
  const parts = combo.split('+');
  // "Mod+=" splits into [..., ''] only for a literal "+", which the table never uses.
  const key = parts.pop()!;
  const mods = new Set(parts);
  const mod = mac ? e.metaKey : e.ctrlKey;
  const other = mac ? e.ctrlKey : e.metaKey;
  if (mods.has('Mod') !== mod || other || mods.has('Alt') !== e.altKey) return false;
  const pressed = UNSHIFTED[e.key] ?? e.key;
  const shiftMatters = key.length > 1 || /[a-z/[\]]/i.test(key);
  if (shiftMatters && mods.has('Shift') !== e.shiftKey) return false;
  return pressed.toLowerCase() === key.toLowerCase();
}

/** What the help panel shows for a combo on this platform. */
export function formatCombo(combo: string, mac = isMac()): string {
  if (combo === 'Shift+/') return '?';
  return combo
    .split('+')
    .map((p) => (p === 'Mod' ? (mac ? '⌘' : 'Ctrl') : p === 'Shift' && mac ? '⇧' : p))
    .join(mac ? '' : '+');
}

function isTextEntry(t: EventTarget | null | undefined): boolean {
  if (!t || typeof (t as Element).tagName !== 'string') return false;
  const el = t as HTMLElement;
  if (el.isContentEditable || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  if (el.tagName !== 'INPUT') return false;
  const type = (el as HTMLInputElement).type;
  return !['range', 'checkbox', 'radio', 'button'].includes(type);
}

/** Buttons, links and lists answer Enter and Space themselves. */
function isControl(t: EventTarget | null | undefined): boolean {
  if (!t || typeof (t as Element).tagName !== 'string') return false;
  return ['BUTTON', 'A', 'SELECT', 'SUMMARY', 'INPUT'].includes((t as Element).tagName);
}

export function findShortcut(e: KeyLike, mac = isMac()): ShortcutId | null {
  for (const s of SHORTCUTS) if (s.keys.some((k) => matches(e, k, mac))) return s.id;
  return null;
}

/**
 * A handler may return false for "nothing to do here": the key then keeps its usual meaning (Tab
 * moves focus, Enter presses the focused button).
 */
export type ShortcutHandlers = Partial<Record<ShortcutId, (e: KeyLike) => unknown>>;

/**
 * Window-level shortcuts from `SHORTCUTS`, plus whether Space is held (the pan modifier). Keys typed
 * into a text field stay there, except Escape. Attaches on mount when called in a component.
 */
export function useKeyboard(handlers: ShortcutHandlers, target: Window | HTMLElement = window) {
  const spaceHeld = ref(false);

  function onKeyDown(e: KeyboardEvent): void {
    const typing = isTextEntry(e.target);
    const onControl = isControl(e.target) && (e.key === 'Enter' || e.key === ' ');
    if (e.key === ' ' && !typing && !onControl) {
      spaceHeld.value = true;
      e.preventDefault();
      return;
    }
    const id = findShortcut(e);
    if (!id || onControl || (typing && id !== 'cancel')) return;
    const handler = handlers[id];
    if (handler && handler(e) !== false) e.preventDefault();
  }

  function onKeyUp(e: KeyboardEvent): void {
    if (e.key === ' ') spaceHeld.value = false;
  }

  /** A window that loses focus never sees the keyup. */
  function onBlur(): void {
    spaceHeld.value = false;
  }

  function attach(): void {
    target.addEventListener('keydown', onKeyDown as EventListener);
    target.addEventListener('keyup', onKeyUp as EventListener);
    window.addEventListener('blur', onBlur);
  }

  function detach(): void {
    target.removeEventListener('keydown', onKeyDown as EventListener);
    target.removeEventListener('keyup', onKeyUp as EventListener);
    window.removeEventListener('blur', onBlur);
  }

  if (getCurrentInstance()) {
    onMounted(attach);
    onBeforeUnmount(detach);
  }

  return { spaceHeld, attach, detach, onKeyDown };
}
