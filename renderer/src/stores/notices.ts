/**
 * Notices: the messages the user reads in the corner (errors from the host or the engine, results
 * of actions). Any store or component may `push`; the NoticeList component shows and dismisses them.
 * Errors stay until dismissed; other notices fade after a few seconds.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';

export type NoticeLevel = 'error' | 'warning' | 'info';

export interface Notice {
  id: number;
  level: NoticeLevel;
  text: string;
  /** A longer explanation under the first line. */
  detail?: string;
}

const FADE_MS = 5000;

export const useNoticesStore = defineStore('notices', () => {
  const items = ref<Notice[]>([]);
  let next = 1;

  function dismiss(id: number): void {
    items.value = items.value.filter((n) => n.id !== id);
  }

  function push(level: NoticeLevel, text: string, detail?: string): number {
    // The same message twice in a row (a retry) is shown once.
    const last = items.value.at(-1);
    if (last && last.text === text && last.level === level) return last.id;
    const id = next++;
    items.value = [...items.value.slice(-4), { id, level, text, detail }];
    if (level !== 'error') setTimeout(() => dismiss(id), FADE_MS);
    return id;
  }

  return {
    items,
    push,
    dismiss,
    error: (text: string, detail?: string) => push('error', text, detail),
    warn: (text: string, detail?: string) => push('warning', text, detail),
    info: (text: string) => push('info', text),
  };
});
