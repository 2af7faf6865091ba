import { defineStore } from 'pinia';
import { ref } from 'vue';

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  /** What happened, in the engine's words where it gave any. */
  message: string;
  /** What it was about: "Opening /data/x.svs". */
  context?: string;
}

/** How many notices stay on screen; older ones drop off first. */
const MAX_NOTICES = 4;
/** Information fades by itself; errors stay until the user dismisses them. */
const INFO_MS = 6000;

/** Errors and messages shown as toasts; the app keeps working while they are up. */
export const useNoticeStore = defineStore('notices', () => {
  const notices = ref<Notice[]>([]);
  let nextId = 1;

  function push(kind: Notice['kind'], message: string, context?: string): number {
    // The same message twice in a row (a tile failing again) is shown once.
    const last = notices.value[notices.value.length - 1];
    if (last && last.kind === kind && last.message === message && last.context === context) return last.id;
    const id = nextId++;
    notices.value = [...notices.value, { id, kind, message, context }].slice(-MAX_NOTICES);
    if (kind === 'info') setTimeout(() => dismiss(id), INFO_MS);
    return id;
  }

  function dismiss(id: number): void {
    notices.value = notices.value.filter((n) => n.id !== id);
  }

  /** Drops the notices a later success made stale ("Could not open X" once a slide opened). */
  function dismissWhere(stale: (notice: Notice) => boolean): void {
    notices.value = notices.value.filter((n) => !stale(n));
  }

  return {
    notices,
    dismissWhere,
    error: (message: string, context?: string) => push('error', message, context),
    info: (message: string, context?: string) => push('info', message, context),
    dismiss,
  };
});
