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
    const answers = await run('Predicting the field', (slideId) => useApi().predict.region({ slideId, region }).then((s) => [s]));
    return answers?.[0] ?? null;
  }

  /** The whole tissue of the slide, region by region (the engine caches each one). */
  async function predictTissue(): Promise<PredictionSummary[] | null> {
    return run('Predicting the tissue', (slideId) => useApi().predict.tissue({ slideId }));
  }

  async function run(what: string, request: (slideId: string) => Promise<PredictionSummary[]>): Promise<PredictionSummary[] | null> {
    const slide = useSlideStore().current;
    if (!slide || busy.value) return null;
    status.value = 'predicting';
    error.value = null;
    progress.value = null;
    try {
      const answers = await request(slide.id);
      answers.forEach(remember);
      const last = answers[answers.length - 1];
      if (last) lastModelVersion.value = last.modelVersion;
      status.value = 'idle';
      const overlay = useOverlayStore();
      if (!overlay.outlines) overlay.outlines = true;
      const glands = answers.reduce((n, s) => n + s.glandCount, 0);
      const cached = answers.length > 0 && answers.every((s) => s.cached);
      useNoticeStore().info(
        `${glands} gland${glands === 1 ? '' : 's'} predicted${answers.length > 1 ? ` in ${answers.length} regions` : ''}${cached ? ' (from the cache)' : ''}${last ? ` with model ${last.modelVersion}` : ''}.`,
      );
      const whole = regionToBBox({ x: 0, y: 0, width: slide.width, height: slide.height });
      for (const s of answers) await useGlandStore().invalidate(s.region, whole);
      return answers;
    } catch (e) {
      if (isStudioError(e) && e.code === 'cancelled') {
        status.value = 'idle';
        useNoticeStore().info(`Prediction cancelled. ${errorMessage(e)}`);
      } else {
        status.value = 'failed';
        error.value = errorMessage(e);
        useNoticeStore().error(error.value, what);
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

  return { status, error, progress, summaries, lastModelVersion, busy, currentSummaries, listen, predict, predictTissue, cancel, onProgress };
});
