/**
 * The 'predict-region' job kind: predicts one slide region in the trainer process (so the main
 * process keeps serving tiles and edits) and writes the result folder atomically.
 *
 * params: { slidePath, region: {x, y, width, height} (level-0), modelDir, outDir,
 *           modelVersion?, backend?, threshold? }
 * progress: step = windows done, totalSteps = windows in all, details.stage = read | predict | instances
 * result: { outDir, resultFile, heatmaps: {probability, uncertainty}, glandCount, region, stats },
 *         or { cancelled: true } when cancelled (nothing is written then).
 */
import path from 'node:path';
import { HEATMAP_FILES } from '../inference/heatmaps';
import { PREDICTION_FILE } from '../inference/result-file';
import { parseRegionJobParams, runRegionPrediction } from '../inference/run-prediction';
import { CancelledError } from '../inference/windows';
import { registerJobRunner, type JobContext } from './jobs';
import type { TrainJob } from './protocol';

export async function runPredictJob(job: TrainJob, ctx: JobContext): Promise<unknown> {
  const params = parseRegionJobParams(job.params);
  const started = performance.now();
  let backend = '';
  try {
    const file = await runRegionPrediction(params, {
      signal: ctx.signal,
      onProgress: (p) => {
        if (p.stage !== 'predict') return;
        const seconds = (performance.now() - started) / 1000;
        const rate = p.done / Math.max(seconds, 1e-3);
        ctx.progress({
          step: p.done,
          totalSteps: p.total,
          epoch: null,
          losses: {},
          weights: {},
          imagesPerSecond: rate,
          etaSeconds: rate > 0 ? (p.total - p.done) / rate : null,
          backend,
          details: { stage: p.stage, kind: 'predict-region' },
        });
      },
      onBackend: (b) => (backend = b),
    });
    return {
      outDir: path.resolve(params.outDir),
      resultFile: path.resolve(params.outDir, PREDICTION_FILE),
      heatmaps: { probability: path.resolve(params.outDir, HEATMAP_FILES.probability), uncertainty: path.resolve(params.outDir, HEATMAP_FILES.uncertainty) },
      glandCount: file.glands.length,
      region: file.region,
      modelVersion: file.modelVersion,
      stats: file.stats,
    };
  } catch (error) {
    if (error instanceof CancelledError) return { cancelled: true };
    throw error;
  }
}

registerJobRunner('predict-region', runPredictJob);
