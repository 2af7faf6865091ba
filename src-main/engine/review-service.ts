/**
 * Prediction and review for the engine: predicts slide regions in the trainer process (never in
 * the main process, so tiles and edits stay fast), stores the glands as proposals, builds the
 * active-learning queue, and marks fields done. The engine's handlers are thin calls into this.
 */
import type Database from 'better-sqlite3';
import { join } from 'node:path';
import type { ApiEvents, PredictionSummary, Region, ReviewField } from '../api/contract';
import { ApiError } from '../api/errors';
import type { AnnotationStore } from '../annotations/store';
import { FieldStore, type StoredField } from '../inference/field-store';
import type { CandidateField } from '../inference/fields';
import { PredictionCache, predictionId, type CachedPrediction } from '../inference/prediction-cache';
import { buildQueue, planPredictionRegions } from '../inference/queue-builder';
import { tissueBounds, tissueFraction, tissueMask } from '../inference/tissue';
import { readModelCard } from '../semimoe/model-card';
import type { Rect } from '../inference/region';
import { HEATMAP_FILES } from '../inference/heatmaps';
import { readPredictionFolder } from '../inference/result-file';
import type { SlideSource } from '../slides/types';
import { TrainerHost, type TrainerOutcome } from '../trainer/host';
import type { ProgressUpdate } from '../trainer/protocol';
import type { ModelRegistry } from './model-registry';

/** Regions bigger than this (level-0 px a side) are refused: predict fields or tiles instead. */
export const MAX_PREDICT_SIDE = 16_384;
/**
 * On a CPU, predicting every candidate field of a slide takes minutes to hours, so a queue build
 * predicts a spatially spread sample of this many candidates per ranked field wanted.
 */
const CANDIDATES_PER_FIELD = 2;

export type HeatmapKind = keyof typeof HEATMAP_FILES;

export interface ReviewDeps {
  db: Database.Database;
  projectDir: string;
  glands: AnnotationStore;
  models: ModelRegistry;
  /** The open slide's reader and path; throws 'not-found' when it is not open. */
  openSlide(slideId: string): { source: SlideSource; path: string };
  /** URL of a heat map as the current transport serves it. */
  heatmapUrl(predictionId: string, kind: HeatmapKind): string;
  progress(event: ApiEvents['jobs:progress']): void;
}

function toReviewField(f: StoredField): ReviewField {
  return { id: f.id, slideId: f.slideId, region: f.region, split: f.split, status: f.status, score: f.score, rank: f.rank };
}

/** Every k-th candidate in reading order: a cheap spatial spread over the tissue. */
function spreadSample<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  const stride = items.length / count;
  return Array.from({ length: count }, (_, i) => items[Math.floor(i * stride)]);
}

export class ReviewService {
  readonly fields: FieldStore;
  readonly cache: PredictionCache;
  private readonly predictor = new TrainerHost();
  private jobCounter = 0;
  /** Set by cancel(): a multi-region run (tissue, queue) stops before its next region. */
  private stopRequested = false;

  constructor(private readonly deps: ReviewDeps) {
    this.fields = new FieldStore(deps.db);
    this.cache = new PredictionCache(deps.db);
  }

  /** Predict glands in a region with the active model; cached per model version and region. */
  async predictRegion(slideId: string, requested: Region): Promise<PredictionSummary> {
    const { source, path } = this.deps.openSlide(slideId);
    const region = this.clampToSlide(requested, source);
    await this.deps.models.ensureStarter();
    const model = this.deps.models.active();
    const cached = this.cache.lookup(slideId, model.id, region);
    if (cached) return this.summary(cached, true);

    const outDir = join(this.deps.projectDir, 'predictions', predictionId(slideId, model.id, region));
    const outcome = await this.runJob({ slidePath: path, region, modelDir: model.dir, outDir, modelVersion: model.id }, 'Predicting glands');
    if (outcome.status === 'cancelled') throw new ApiError('cancelled', 'The prediction was cancelled; nothing was changed');
    if (outcome.status === 'failed') throw new ApiError('internal', `The prediction failed: ${outcome.error.message}`);

    const file = await readPredictionFolder(outDir);
    this.deps.glands.replaceProposed(
      slideId,
      region,
      model.id,
      file.glands.map((g) => ({ polygons: g.polygons, confidence: g.confidence, uncertainty: g.uncertainty })),
    );
    const recorded = this.cache.record({
      slideId,
      modelVersion: model.id,
      region,
      mpp: file.heatmaps.mpp,
      dir: outDir,
      stats: { ...file.stats, glandCount: file.glands.length, bounds: file.heatmaps.bounds },
    });
    return this.summary(recorded, false);
  }

  /**
   * Predict the slide's whole tissue: its bounding box on a low-resolution tissue mask, cut into
   * regions of at most 2048 model pixels a side, skipping pieces without tissue. Each region is
   * cached, so running it again (or after a cancel) only predicts what is missing.
   */
  async predictTissue(slideId: string): Promise<PredictionSummary[]> {
    const { source } = this.deps.openSlide(slideId);
    await this.deps.models.ensureStarter();
    const model = this.deps.models.active();
    const modelMpp = ((await readModelCard(model.dir))?.config as { mpp?: number } | undefined)?.mpp ?? 1;
    const tissue = await tissueMask(source);
    const bounds = tissueBounds(tissue);
    if (!bounds) throw new ApiError('not-found', 'No tissue was found on this slide (it looks like empty glass)');
    const regions = planPredictionRegions([bounds], source.metadata.mpp, modelMpp).filter((r) => tissueFraction(tissue, r) > 0.01);
    const summaries: PredictionSummary[] = [];
    this.stopRequested = false;
    for (const [i, region] of regions.entries()) {
      if (this.stopRequested) throw new ApiError('cancelled', `Cancelled after ${i} of ${regions.length} regions; those are kept`);
      this.deps.progress({
        jobId: 'tissue',
        kind: 'predict',
        fraction: i / regions.length,
        message: `Predicting the tissue: region ${i + 1} of ${regions.length}`,
        etaSeconds: null,
      });
      summaries.push(await this.predictRegion(slideId, region));
    }
    return summaries;
  }

  cancel(): boolean {
    this.stopRequested = true;
    if (!this.predictor.running) return false;
    this.predictor.cancel();
    return true;
  }

  /**
   * Lay out fields over the tissue, predict a spread sample of the unscored ones, and rank them
   * by uncertainty with diversity. Done fields keep their status and split.
   */
  async buildQueue(slideId: string, fieldSizeUm: number, maxFields: number): Promise<ReviewField[]> {
    const { source } = this.deps.openSlide(slideId);
    await this.deps.models.ensureStarter();
    const model = this.deps.models.active();
    const build = async () =>
      buildQueue({ db: this.deps.db, slideId, source, fieldSizeUm, modelVersion: model.id, grids: await this.grids(slideId, model.id), maxFields });
    let built = await build();
    const ranked = built.fields.filter((f) => f.rank !== null).length;
    const wanted = Math.max(0, maxFields - ranked) * CANDIDATES_PER_FIELD;
    if (built.unscored.length > 0 && wanted > 0) {
      const sample: CandidateField[] = spreadSample(built.unscored, wanted);
      this.stopRequested = false;
      for (const [i, field] of sample.entries()) {
        if (this.stopRequested) throw new ApiError('cancelled', 'The queue build was cancelled; fields predicted so far are kept');
        this.deps.progress({
          jobId: 'queue',
          kind: 'predict',
          fraction: i / sample.length,
          message: `Building the review queue: predicting field ${i + 1} of ${sample.length}`,
          etaSeconds: null,
        });
        await this.predictRegion(slideId, { x: field.x, y: field.y, width: field.width, height: field.height });
      }
      built = await build();
    }
    return built.fields.map(toReviewField);
  }

  listQueue(slideId: string): ReviewField[] {
    return this.fields.list(slideId).map(toReviewField);
  }

  /**
   * A done field is complete ground truth, so it may not keep unreviewed proposals: they are
   * accepted together only when the user confirmed it (one undoable step).
   */
  markDone(fieldId: string, acceptProposed: boolean): ReviewField {
    const field = this.fields.get(fieldId);
    if (!field) throw new ApiError('not-found', 'No such review field; rebuild the queue');
    const proposed = this.deps.glands.glandsIn(field.slideId, field.region, ['proposed']);
    if (proposed.length > 0) {
      if (!acceptProposed) {
        throw new ApiError(
          'conflict',
          `${proposed.length} proposed gland${proposed.length === 1 ? '' : 's'} in this field ${proposed.length === 1 ? 'is' : 'are'} not reviewed yet: accept or reject ${proposed.length === 1 ? 'it' : 'them'} first, or accept all.`,
        );
      }
      this.deps.glands.apply(field.slideId, { kind: 'set-status', ids: proposed.map((g) => g.id), status: 'accepted' });
    }
    return toReviewField(this.fields.markDone(fieldId));
  }

  /** The heat map file of a prediction, for the transports; only for slides open now. */
  heatmapFile(id: string, kind: HeatmapKind): string {
    const cached = this.cache.get(id);
    if (!cached || !cached.dir) throw new ApiError('not-found', 'No such prediction');
    this.deps.openSlide(cached.slideId);
    return join(cached.dir, HEATMAP_FILES[kind]);
  }

  async close(): Promise<void> {
    this.cancel();
  }

  private async grids(slideId: string, modelVersion: string) {
    const grids = [];
    for (const p of this.cache.list(slideId, modelVersion)) {
      if (!p.dir) continue;
      try {
        grids.push((await readPredictionFolder(p.dir)).uncertaintyGrid);
      } catch {
        // A prediction folder deleted by hand only costs a re-prediction.
      }
    }
    return grids;
  }

  private clampToSlide(r: Region, source: SlideSource): Rect {
    const { width, height } = source.metadata;
    const x = Math.max(0, Math.floor(r.x));
    const y = Math.max(0, Math.floor(r.y));
    const x1 = Math.min(width, Math.ceil(r.x + r.width));
    const y1 = Math.min(height, Math.ceil(r.y + r.height));
    if (x1 - x < 1 || y1 - y < 1) throw new ApiError('invalid-request', 'The region lies outside the slide');
    if (x1 - x > MAX_PREDICT_SIDE || y1 - y > MAX_PREDICT_SIDE) {
      throw new ApiError('too-large', `Regions up to ${MAX_PREDICT_SIDE} pixels a side can be predicted at once; zoom in or use the review queue`);
    }
    return { x, y, width: x1 - x, height: y1 - y };
  }

  private summary(p: CachedPrediction, cached: boolean): PredictionSummary {
    const bounds = (p.stats.bounds as Rect | undefined) ?? p.region;
    return {
      slideId: p.slideId,
      region: bounds,
      modelVersion: p.modelVersion,
      glandCount: typeof p.stats.glandCount === 'number' ? p.stats.glandCount : 0,
      cached,
      heatmaps: { probability: this.deps.heatmapUrl(p.id, 'probability'), uncertainty: this.deps.heatmapUrl(p.id, 'uncertainty') },
    };
  }

  private async runJob(params: Record<string, unknown>, label: string): Promise<TrainerOutcome> {
    if (this.predictor.running) throw new ApiError('conflict', 'A prediction is already running; wait for it or cancel it');
    const jobId = `predict-${++this.jobCounter}`;
    const started = Date.now();
    return this.predictor.start(
      { kind: 'predict-region', params },
      {
        onProgress: (u: ProgressUpdate) => {
          const fraction = u.totalSteps ? u.step / u.totalSteps : 0;
          this.deps.progress({
            jobId,
            kind: 'predict',
            fraction,
            message: `${label}: window ${u.step} of ${u.totalSteps ?? '?'} on ${u.backend}`,
            etaSeconds: u.etaSeconds ?? (fraction > 0 ? ((Date.now() - started) / 1000) * (1 / fraction - 1) : null),
          });
        },
      },
    );
  }
}
