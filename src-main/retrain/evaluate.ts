/**
 * Scores a model directory on a GlaS-layout folder of project fields, for comparing a retrained
 * model with the one it started from on the same validation fields. Pixel Dice and IoU are
 * pooled over all pixels (a field without glands has no Dice of its own but still counts its
 * false positives), object F1 pools the matches of every field, as the GlaS challenge does.
 * Each model uses its own threshold (its model card's): the one the app would use with it.
 */
import { listGlasFolder, loadRgbImage } from '../semimoe/glas';
import { extractInstances } from '../semimoe/instances';
import { evaluateInstances, meanMetrics, type ImageMetrics } from '../semimoe/metrics';
import { loadPredictor, minGlandArea, predictDense } from '../semimoe/predict';
import { connectedComponents } from '../semimoe/targets';

export interface FieldMetrics {
  dice: number | null;
  iou: number | null;
  objectF1: number | null;
  fields: number;
}

/** Thrown when the signal aborts between fields (the job then ends as cancelled). */
export class EvaluationCancelled extends Error {
  constructor() {
    super('evaluation cancelled');
  }
}

export const NO_METRICS: FieldMetrics = { dice: null, iou: null, objectF1: null, fields: 0 };

export async function evaluateOnFields(
  modelDir: string,
  dir: string,
  sourceMpp: number,
  opts: { backend?: string; signal?: AbortSignal } = {},
): Promise<FieldMetrics> {
  let entries;
  try {
    entries = (await listGlasFolder(dir)).filter((e) => e.labelPath);
  } catch {
    return NO_METRICS;
  }
  if (entries.length === 0) return NO_METRICS;
  const predictor = await loadPredictor(modelDir, opts.backend ?? 'auto');
  try {
    let inter = 0;
    let predSum = 0;
    let truthSum = 0;
    const perField: ImageMetrics[] = [];
    for (const entry of entries) {
      if (opts.signal?.aborted) throw new EvaluationCancelled();
      const img = await loadRgbImage(entry, sourceMpp, predictor.config.mpp);
      const dense = predictDense(predictor, img.rgb, img.width, img.height);
      const pred = extractInstances(dense, { threshold: predictor.threshold, minArea: minGlandArea(predictor.config.mpp) });
      const truth = connectedComponents(img.mask!, img.width, img.height).labels;
      for (let i = 0; i < truth.length; i++) {
        const p = pred.labels[i] > 0;
        const t = truth[i] > 0;
        if (p) predSum++;
        if (t) truthSum++;
        if (p && t) inter++;
      }
      perField.push(evaluateInstances({ width: img.width, height: img.height, labels: pred.labels }, { width: img.width, height: img.height, labels: truth }));
    }
    const denom = predSum + truthSum;
    return {
      // Both empty is a perfect answer, as in train.ts's validation.
      dice: denom === 0 ? 1 : (2 * inter) / denom,
      iou: denom - inter === 0 ? 1 : inter / (denom - inter),
      objectF1: finiteOrNull(meanMetrics(perField).pooledObjectF1),
      fields: entries.length,
    };
  } finally {
    predictor.dispose();
  }
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
