/**
 * One region prediction from paths to a folder: open the slide, load the model, predict,
 * write the folder (result-file.ts). This is what the trainer's 'predict-region' job runs; it
 * also runs in-process (CLI, tests) where blocking the loop does not matter.
 */
import { loadPredictor, type Predictor } from '../semimoe/predict';
import { openSlide } from '../slides/registry';
import { predictRegion, type PredictRegionOptions } from './predict-region';
import type { Rect } from './region';
import { writePredictionFolder, type PredictionFile } from './result-file';
import { CancelledError } from './windows';

export interface RegionJobParams {
  slidePath: string;
  region: Rect;
  modelDir: string;
  /** Folder to write (replaced atomically if it exists). */
  outDir: string;
  /** Label stored with the result; default: the model card's name, else the folder. */
  modelVersion?: string;
  backend?: string;
  threshold?: number;
}

export function parseRegionJobParams(raw: unknown): RegionJobParams {
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const str = (k: string) => {
    if (typeof o[k] !== 'string' || (o[k] as string).length === 0) throw new Error(`predict-region: '${k}' must be a non-empty string`);
    return o[k] as string;
  };
  const r = o.region as Record<string, unknown> | undefined;
  const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  if (!r || !num(r.x) || !num(r.y) || !num(r.width) || !num(r.height) || (r.width as number) <= 0 || (r.height as number) <= 0) {
    throw new Error(`predict-region: 'region' must be {x, y, width, height} with a positive size`);
  }
  if (o.threshold !== undefined && !(num(o.threshold) && (o.threshold as number) > 0 && (o.threshold as number) < 1)) throw new Error(`predict-region: 'threshold' must be in (0, 1)`);
  return {
    slidePath: str('slidePath'),
    modelDir: str('modelDir'),
    outDir: str('outDir'),
    region: { x: r.x as number, y: r.y as number, width: r.width as number, height: r.height as number },
    modelVersion: typeof o.modelVersion === 'string' ? o.modelVersion : undefined,
    backend: typeof o.backend === 'string' ? o.backend : undefined,
    threshold: o.threshold as number | undefined,
  };
}

export async function runRegionPrediction(
  params: RegionJobParams,
  opts: Pick<PredictRegionOptions, 'signal' | 'onProgress'> & { predictor?: Predictor; onBackend?: (backend: string) => void } = {},
): Promise<PredictionFile> {
  const predictor = opts.predictor ?? (await loadPredictor(params.modelDir, params.backend ?? 'auto'));
  opts.onBackend?.(predictor.backend);
  try {
    const source = await openSlide(params.slidePath);
    try {
      const prediction = await predictRegion(predictor, source, params.region, { threshold: params.threshold, signal: opts.signal, onProgress: opts.onProgress });
      const modelVersion = params.modelVersion ?? predictor.card?.name ?? params.modelDir;
      if (opts.signal?.aborted) throw new CancelledError();
      return await writePredictionFolder(params.outDir, prediction, { slidePath: params.slidePath, modelDir: params.modelDir, modelVersion });
    } finally {
      await source.close();
    }
  } finally {
    if (!opts.predictor) predictor.dispose();
  }
}
