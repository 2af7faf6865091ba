import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { ModelVersionInfo } from '../../src-main/api/contract';
import { errorMessage } from '../api';
import { useApi } from '../composables/useApi';
import { regionToBBox, useGlandStore } from './glands';
import { useNoticeStore } from './notices';
import { predictionRegion, usePredictionStore } from './prediction';
import { useReviewStore } from './review';
import { useSlideStore } from './slides';
import { useViewerStore } from './viewer';

export type ModelListStatus = 'idle' | 'loading' | 'ready' | 'failed';
/** After an activation: the new model predicts the current field, then the queue is re-ranked. */
export type ActivationStatus = 'idle' | 'activating' | 'repredicting' | 'failed';

/** Newest first: the history panel reads top-down from the latest retraining. */
export function newestFirst(versions: ModelVersionInfo[]): ModelVersionInfo[] {
  return [...versions].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
}

/** The project's model versions (models:list), which one predicts, and switching between them. */
export const useModelStore = defineStore('models', () => {
  const versions = ref<ModelVersionInfo[]>([]);
  const status = ref<ModelListStatus>('idle');
  const activation = ref<ActivationStatus>('idle');
  /** The version being activated, so its button can say so. */
  const activatingId = ref<string | null>(null);

  const active = computed(() => versions.value.find((v) => v.active) ?? null);
  const history = computed(() => newestFirst(versions.value));

  async function load(): Promise<void> {
    status.value = 'loading';
    try {
      versions.value = await useApi().models.list({});
      status.value = 'ready';
    } catch (e) {
      status.value = 'failed';
      useNoticeStore().error(errorMessage(e), 'Listing the model versions');
    }
  }

  /**
   * Makes `id` the active model (also the rollback), then brings the screen up to date with it:
   * the current field (or the view) is predicted again, every loaded gland is fetched again so
   * the overlay shows the new proposals, and a built queue is rebuilt, which re-predicts and
   * re-ranks its fields with the new model (in the background: it can take minutes on a CPU).
   */
  async function activate(id: string): Promise<boolean> {
    if (activation.value === 'activating' || activation.value === 'repredicting') return false;
    activation.value = 'activating';
    activatingId.value = id;
    try {
      versions.value = await useApi().models.activate({ id });
      status.value = 'ready';
    } catch (e) {
      activation.value = 'failed';
      activatingId.value = null;
      useNoticeStore().error(errorMessage(e), 'Activating the model version');
      return false;
    }
    activatingId.value = null;
    activation.value = 'repredicting';
    try {
      await refreshWithActiveModel();
    } finally {
      activation.value = 'idle';
    }
    return true;
  }

  async function refreshWithActiveModel(): Promise<void> {
    const slide = useSlideStore().current;
    if (!slide) return;
    const review = useReviewStore();
    const prediction = usePredictionStore();
    const whole = { x: 0, y: 0, width: slide.width, height: slide.height };
    const field = review.current?.region ?? predictionRegion(useViewerStore().viewRegion ?? whole, slide);
    // A prediction already running (a queue build) must finish first: the store refuses a second.
    if (!prediction.busy) await prediction.predict(field);
    // Outside the field, loaded glands may be the old model's proposals: fetch them all again.
    await useGlandStore().invalidate(null, regionToBBox(whole));
    if (review.fields.length > 0 && review.status !== 'building') void review.build();
  }

  return { versions, status, activation, activatingId, active, history, load, activate };
});
