import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { RecentSlide, SlideFileStatus, SlideInfo } from '../../src-main/api/contract';
import { errorMessage } from '../api';
import { useApi } from '../composables/useApi';
import { useNoticeStore } from './notices';

const OPEN_FAILED = 'Could not open';

export type SlideStoreStatus = 'idle' | 'opening' | 'ready' | 'failed';

/**
 * The slides of this window: those open (tabs), the one on screen, the project's recent list,
 * and the state of the last open request. A failed open leaves the open slides as they were.
 */
export const useSlideStore = defineStore('slides', () => {
  /** Open slides by id, in the order they were opened. */
  const open = ref<SlideInfo[]>([]);
  const currentId = ref<string | null>(null);
  const recent = ref<RecentSlide[]>([]);
  const status = ref<SlideStoreStatus>('idle');
  /** The engine's message for the last failed open, until the next open or a dismissal. */
  const error = ref<string | null>(null);
  /** The path being opened, for "Opening ..." feedback. */
  const openingPath = ref<string | null>(null);

  const current = computed(() => open.value.find((s) => s.id === currentId.value) ?? null);
  const hasSlides = computed(() => open.value.length > 0);

  function upsert(slide: SlideInfo): void {
    const index = open.value.findIndex((s) => s.id === slide.id);
    if (index === -1) open.value = [...open.value, slide];
    else open.value = open.value.map((s, i) => (i === index ? slide : s));
  }

  async function openPath(path: string): Promise<SlideInfo | null> {
    const trimmed = path.trim();
    if (!trimmed) return null;
    status.value = 'opening';
    openingPath.value = trimmed;
    error.value = null;
    try {
      const slide = await useApi().slides.open({ path: trimmed });
      upsert(slide);
      currentId.value = slide.id;
      status.value = 'ready';
      useNoticeStore().dismissWhere((n) => n.kind === 'error' && (n.context ?? '').startsWith(OPEN_FAILED));
      void refreshRecent();
      return slide;
    } catch (e) {
      status.value = 'failed';
      error.value = errorMessage(e);
      useNoticeStore().error(error.value, `${OPEN_FAILED} ${trimmed}`);
      return null;
    } finally {
      openingPath.value = null;
    }
  }

  /** Shows an open slide, checking on the way whether its file is still the one opened. */
  async function select(id: string): Promise<void> {
    if (!open.value.some((s) => s.id === id)) return;
    currentId.value = id;
    try {
      upsert(await useApi().slides.get({ id }));
    } catch (e) {
      useNoticeStore().error(errorMessage(e), 'Checking the slide file');
    }
  }

  async function close(id: string): Promise<void> {
    const index = open.value.findIndex((s) => s.id === id);
    if (index === -1) return;
    open.value = open.value.filter((s) => s.id !== id);
    if (currentId.value === id) {
      const next = open.value[Math.min(index, open.value.length - 1)];
      currentId.value = next?.id ?? null;
    }
    if (status.value === 'ready' && !open.value.length) status.value = 'idle';
    try {
      await useApi().slides.close({ id });
    } catch (e) {
      useNoticeStore().error(errorMessage(e), 'Closing the slide');
    }
  }

  async function refreshRecent(): Promise<RecentSlide[]> {
    try {
      recent.value = await useApi().slides.recent({});
    } catch (e) {
      useNoticeStore().error(errorMessage(e), 'Reading the recent slides');
    }
    return recent.value;
  }

  /** The engine noticed that a slide's file moved or changed (slides:status event). */
  function applyFileStatus(id: string, fileStatus: SlideFileStatus): void {
    if (open.value.some((s) => s.id === id && s.status !== fileStatus)) {
      open.value = open.value.map((s) => (s.id === id ? { ...s, status: fileStatus } : s));
    }
    if (recent.value.some((r) => r.id === id && r.status !== fileStatus)) {
      recent.value = recent.value.map((r) => (r.id === id ? { ...r, status: fileStatus } : r));
    }
  }

  function dismissError(): void {
    error.value = null;
    if (status.value === 'failed') status.value = open.value.length ? 'ready' : 'idle';
  }

  return {
    open,
    currentId,
    recent,
    status,
    error,
    openingPath,
    current,
    hasSlides,
    openPath,
    select,
    close,
    refreshRecent,
    applyFileStatus,
    dismissError,
  };
});
