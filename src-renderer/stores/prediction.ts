import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { JobProgress, PredictionSummary, Region } from '../../src-main/api/contract';
import { errorMessage, isStudioError } from '../api';
import { useApi } from '../composables/useApi';
import { regionToBBox, useGlandStore } from './glands';
import { useNoticeStore } from './notices';
import { useOverlayStore } from './overlay';
import { useSlideStore } from './slides';

export type PredictionStatus = 'idle' | 'predicting' | 'cancelling' | 'failed';

/**
 * The largest field "Predict field" sends, level-0 pixels per side: a zoomed-out view is
 * clamped about its centre to this, so one click never starts a whole-slide run by accident.
 */
export const MAX_PREDICT_SIDE = 4096;
/** Heat maps kept per slide (one per predicted region), newest last. */
const MAX_SUMMARIES = 64;

/** The view, clamped about its centre to the largest field and to the slide. */
export function predictionRegion(view: Region, slide: { width: number; height: number }, maxSide = MAX_PREDICT_SIDE): Region {
  const width = Math.min(view.width, maxSide, slide.width);
  const height = Math.min(view.height, maxSide, slide.height);
  const cx = view.x + view.width / 2;
  const cy = view.y + view.height / 2;
  const x = Math.min(Math.max(0, Math.round(cx - width / 2)), slide.width - Math.round(width));
  const y = Math.min(Math.max(0, Math.round(cy - height / 2)), slide.height - Math.round(height));
  return { x: Math.max(0, x), y: Math.max(0, y), width: Math.round(width), height: Math.round(height) };
}

/**
 * Prediction runs (predict:region) and their heat maps. Long jobs report through the
 * 'jobs:progress' event, which also carries the predictions a queue build starts.
 */
export const usePredictionStore = defineStore('prediction', () => {
  const status = ref<PredictionStatus>('idle');
  const error = ref<string | null>(null);
  const progress = ref<JobProgress | null>(null);
  /** Predictions per slide id, with their heat map URLs. */
  const summaries = ref<Record<string, PredictionSummary[]>>({});
  /** The model version of the last "Predict field" answer (the panel shows it after a model switch). */
  const lastModelVersion = ref<string | null>(null);

  const busy = computed(() => status.value === 'predicting' || status.value === 'cancelling');
  const currentSummaries = computed(() => summaries.value[useSlideStore().currentId ?? ''] ?? []);

  function onProgress(p: JobProgress): void {
    if (p.kind !== 'predict') return;
    progress.value = p;
  }

  function listen(): () => void {
    return useApi().on('jobs:progress', onProgress);
  }

  function remember(summary: PredictionSummary): void {
    const list = (summaries.value[summary.slideId] ?? []).filter(
      (s) => !(s.region.x === summary.region.x && s.region.y === summary.region.y && s.region.width === summary.region.width && s.region.height === summary.region.height),
    );
    summaries.value = { ...summaries.value, [summary.slideId]: [...list, summary].slice(-MAX_SUMMARIES) };
  }

  async function predict(region: Region): Promise<PredictionSummary | null> {
    const slide = useSlideStore().current;
    if (!slide || busy.value) return null;
    status.value = 'predicting';
    error.value = null;
    progress.value = null;
    try {
      const summary = await useApi().predict.region({ slideId: slide.id, region });
      remember(summary);
      lastModelVersion.value = summary.modelVersion;
      status.value = 'idle';
      const overlay = useOverlayStore();
      if (!overlay.outlines) overlay.outlines = true;
      useNoticeStore().info(
        `${summary.glandCount} gland${summary.glandCount === 1 ? '' : 's'} predicted${summary.cached ? ' (from the cache)' : ''} with model ${summary.modelVersion}.`,
      );
      await useGlandStore().invalidate(summary.region, regionToBBox({ x: 0, y: 0, width: slide.width, height: slide.height }));
      return summary;
    } catch (e) {
      if (isStudioError(e) && e.code === 'cancelled') {
        status.value = 'idle';
        useNoticeStore().info('Prediction cancelled.');
      } else {
        status.value = 'failed';
        error.value = errorMessage(e);
        useNoticeStore().error(error.value, 'Predicting the field');
      }
      return null;
    } finally {
      progress.value = null;
    }
  }

  /** Cancels the running prediction, whether "Predict field" or a queue build started it. */
  async function cancel(): Promise<void> {
    if (status.value === 'cancelling') return;
    const mine = status.value === 'predicting';
    if (mine) status.value = 'cancelling';
    try {
      await useApi().predict.cancel({});
    } catch (e) {
      if (mine) status.value = 'predicting';
      useNoticeStore().error(errorMessage(e), 'Cancelling the prediction');
    }
  }

  return { status, error, progress, summaries, lastModelVersion, busy, currentSummaries, listen, predict, cancel, onProgress };
});
