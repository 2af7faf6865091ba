import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { ReviewField } from '../../src-main/api/contract';
import { errorMessage, isStudioError } from '../api';
import { useApi } from '../composables/useApi';
import { regionToBBox, useGlandStore } from './glands';
import { useNoticeStore } from './notices';
import { usePredictionStore } from './prediction';
import { useSlideStore } from './slides';
import { useViewerStore } from './viewer';

export type ReviewStatus = 'idle' | 'loading' | 'building' | 'ready' | 'failed';
export type MarkDoneStatus = 'idle' | 'saving' | 'confirm' | 'failed';

/** Default field side, micrometres: about what a 20x view shows on a laptop screen. */
export const DEFAULT_FIELD_SIZE_UM = 500;
/** Fields a build lays out at most: enough for a session, few enough to predict quickly. */
export const DEFAULT_MAX_FIELDS = 40;

/** Best first: ranked fields by rank, then by score (higher first), unranked last. */
export function sortFields(fields: ReviewField[]): ReviewField[] {
  return [...fields].sort((a, b) => {
    if (a.rank !== null && b.rank !== null && a.rank !== b.rank) return a.rank - b.rank;
    if (a.rank === null !== (b.rank === null)) return a.rank === null ? 1 : -1;
    return (b.score ?? -Infinity) - (a.score ?? -Infinity);
  });
}

/**
 * The active-learning queue of the current slide: fields ranked by how much a pathologist's
 * review is worth there, the one being reviewed, and marking fields done.
 */
export const useReviewStore = defineStore('review', () => {
  const slideId = ref<string | null>(null);
  const fields = ref<ReviewField[]>([]);
  const status = ref<ReviewStatus>('idle');
  const error = ref<string | null>(null);
  const currentId = ref<string | null>(null);
  const fieldSizeUm = ref(DEFAULT_FIELD_SIZE_UM);
  const markStatus = ref<MarkDoneStatus>('idle');
  /** The engine's reason for refusing to mark the field done (proposed glands left), to confirm. */
  const confirmMessage = ref<string | null>(null);

  const sorted = computed(() => sortFields(fields.value));
  const current = computed(() => fields.value.find((f) => f.id === currentId.value) ?? null);
  const doneCount = computed(() => fields.value.filter((f) => f.status === 'done').length);

  async function load(id: string | null): Promise<void> {
    if (slideId.value === id && status.value !== 'failed') return;
    slideId.value = id;
    fields.value = [];
    currentId.value = null;
    confirmMessage.value = null;
    markStatus.value = 'idle';
    if (!id) {
      status.value = 'idle';
      return;
    }
    status.value = 'loading';
    try {
      const list = await useApi().queue.list({ slideId: id });
      if (slideId.value !== id) return;
      fields.value = list;
      status.value = 'ready';
      error.value = null;
    } catch (e) {
      if (slideId.value !== id) return;
      status.value = 'failed';
      error.value = errorMessage(e);
      useNoticeStore().error(error.value, 'Loading the review queue');
    }
  }

  async function build(): Promise<void> {
    const slide = useSlideStore().current;
    if (!slide || status.value === 'building') return;
    const size = Number(fieldSizeUm.value);
    if (!Number.isFinite(size) || size <= 0) {
      useNoticeStore().error('The field size must be a positive number of micrometres.', 'Building the review queue');
      return;
    }
    status.value = 'building';
    error.value = null;
    try {
      const list = await useApi().queue.build({ slideId: slide.id, fieldSizeUm: size, maxFields: DEFAULT_MAX_FIELDS });
      if (useSlideStore().currentId !== slide.id) return;
      slideId.value = slide.id;
      fields.value = list;
      // A rebuild (after a new model is activated) keeps the field under review when it remains.
      if (!list.some((f) => f.id === currentId.value)) currentId.value = null;
      status.value = 'ready';
      // Building predicts the fields: new proposed glands may be in view.
      await useGlandStore().invalidate(null, regionToBBox({ x: 0, y: 0, width: slide.width, height: slide.height }));
    } catch (e) {
      status.value = 'failed';
      error.value = errorMessage(e);
      useNoticeStore().error(error.value, 'Building the review queue');
    } finally {
      usePredictionStore().progress = null;
    }
  }

  function go(field: ReviewField): void {
    currentId.value = field.id;
    confirmMessage.value = null;
    markStatus.value = 'idle';
    useViewerStore().fitRegion(field.region);
  }

  /** Next (+1) or previous (-1) field in queue order; from nothing, the first or the last. */
  function step(direction: 1 | -1): void {
    const list = sorted.value;
    if (!list.length) return;
    const at = list.findIndex((f) => f.id === currentId.value);
    const next = at === -1 ? (direction === 1 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, at + direction));
    go(list[next]);
  }

  /**
   * Marks the current field done. The engine refuses while proposed glands remain inside: the
   * panel then asks, and `confirmAcceptAll` retries with acceptProposed.
   */
  async function markDone(acceptProposed = false): Promise<boolean> {
    const field = current.value;
    if (!field || markStatus.value === 'saving') return false;
    markStatus.value = 'saving';
    try {
      const updated = await useApi().fields.markDone({ fieldId: field.id, acceptProposed });
      fields.value = fields.value.map((f) => (f.id === updated.id ? updated : f));
      markStatus.value = 'idle';
      confirmMessage.value = null;
      const slide = useSlideStore().current;
      // Accepting turned proposed glands into accepted ones: redraw them in their new colour.
      if (slide) await useGlandStore().invalidate(field.region, regionToBBox({ x: 0, y: 0, width: slide.width, height: slide.height }));
      return true;
    } catch (e) {
      if (isStudioError(e) && e.code === 'conflict' && !acceptProposed) {
        markStatus.value = 'confirm';
        confirmMessage.value = e.message;
        return false;
      }
      markStatus.value = 'failed';
      useNoticeStore().error(errorMessage(e), 'Marking the field done');
      return false;
    }
  }

  function confirmAcceptAll(): Promise<boolean> {
    return markDone(true);
  }

  function cancelConfirm(): void {
    confirmMessage.value = null;
    markStatus.value = 'idle';
  }

  return {
    slideId, fields, status, error, currentId, fieldSizeUm, markStatus, confirmMessage,
    sorted, current, doneCount,
    load, build, go, step, markDone, confirmAcceptAll, cancelConfirm,
  };
});
