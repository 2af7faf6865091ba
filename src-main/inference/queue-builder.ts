/**
 * Building a slide's review queue from its predictions:
 *   1. tissue mask -> candidate fields (fields.ts), stored (new ones only: done fields stay done);
 *   2. each field scored by the mean uncertainty of the predictions covering it (their
 *      uncertainty grids, result-file.ts), area-weighted where several overlap;
 *   3. the scored queued fields ranked with diversity (queue.ts), done fields pushing their
 *      neighbours down; the top `maxFields` get ranks, the rest none.
 * `planPredictionRegions` says which regions to predict first so that every candidate is covered.
 */
import type { Database } from 'better-sqlite3';
import type { SlideSource } from '../slides/types';
import { FieldStore, type StoredField } from './field-store';
import { layoutFields, type CandidateField } from './fields';
import { rankFields, type ScoredField } from './queue';
import type { Rect } from './region';
import type { UncertaintyGrid } from './result-file';
import { tissueMask, type TissueMask } from './tissue';

/** Share of a field that predictions must cover for it to be scored. */
const MIN_COVERAGE = 0.9;

/**
 * Regions (level-0) covering `fields`, each at most `maxModelSide` model pixels a side: the
 * fields' bounding box cut into a grid, keeping only the pieces that touch a field.
 */
export function planPredictionRegions(fields: readonly Rect[], slideMpp: [number, number] | null, modelMpp: number, maxModelSide = 2048): Rect[] {
  if (fields.length === 0) return [];
  const mpp = slideMpp ?? [modelMpp, modelMpp];
  const x0 = Math.min(...fields.map((f) => f.x));
  const y0 = Math.min(...fields.map((f) => f.y));
  const x1 = Math.max(...fields.map((f) => f.x + f.width));
  const y1 = Math.max(...fields.map((f) => f.y + f.height));
  const stepX = Math.floor((maxModelSide * modelMpp) / mpp[0]);
  const stepY = Math.floor((maxModelSide * modelMpp) / mpp[1]);
  const out: Rect[] = [];
  for (let y = y0; y < y1; y += stepY) {
    for (let x = x0; x < x1; x += stepX) {
      const r = { x, y, width: Math.min(stepX, x1 - x), height: Math.min(stepY, y1 - y) };
      if (fields.some((f) => f.x < r.x + r.width && f.x + f.width > r.x && f.y < r.y + r.height && f.y + f.height > r.y)) out.push(r);
    }
  }
  return out;
}

/** Area-weighted mean uncertainty over a rectangle from grids; null when they cover under 90% of it. */
export function scoreRect(r: Rect, grids: readonly UncertaintyGrid[]): number | null {
  let weighted = 0;
  let covered = 0;
  for (const g of grids) {
    const cw = g.bounds.width / g.width;
    const ch = g.bounds.height / g.height;
    const gx0 = Math.max(0, Math.floor((r.x - g.bounds.x) / cw));
    const gy0 = Math.max(0, Math.floor((r.y - g.bounds.y) / ch));
    const gx1 = Math.min(g.width, Math.ceil((r.x + r.width - g.bounds.x) / cw));
    const gy1 = Math.min(g.height, Math.ceil((r.y + r.height - g.bounds.y) / ch));
    for (let gy = gy0; gy < gy1; gy++) {
      for (let gx = gx0; gx < gx1; gx++) {
        const cx = g.bounds.x + gx * cw;
        const cy = g.bounds.y + gy * ch;
        const ox = Math.min(cx + cw, r.x + r.width) - Math.max(cx, r.x);
        const oy = Math.min(cy + ch, r.y + r.height) - Math.max(cy, r.y);
        if (ox <= 0 || oy <= 0) continue;
        weighted += ox * oy * g.values[gy * g.width + gx];
        covered += ox * oy;
      }
    }
  }
  // Where predictions overlap both count: still a weighted mean, and coverage only has to pass 90%.
  if (covered < MIN_COVERAGE * r.width * r.height) return null;
  return weighted / covered;
}

export interface BuildQueueOptions {
  db: Database;
  slideId: string;
  source: SlideSource;
  fieldSizeUm: number;
  modelVersion: string;
  /** Uncertainty grids of this model's predictions on the slide. */
  grids: readonly UncertaintyGrid[];
  /** How many fields get a rank (default all scored). */
  maxFields?: number;
  minTissue?: number;
  /** A tissue mask already computed for the slide (it is cheap, but not free). */
  tissue?: TissueMask;
}

export interface BuiltQueue {
  fields: StoredField[];
  candidates: CandidateField[];
  /** Candidates that no prediction covers yet: predict planPredictionRegions(unscored) and rebuild. */
  unscored: CandidateField[];
}

export async function buildQueue(o: BuildQueueOptions): Promise<BuiltQueue> {
  const tissue = o.tissue ?? (await tissueMask(o.source));
  const candidates = layoutFields(o.slideId, o.source.metadata, tissue, { fieldSizeUm: o.fieldSizeUm, minTissue: o.minTissue });
  const store = new FieldStore(o.db);
  store.addCandidates(candidates);
  const stored = store.list(o.slideId);
  const done = stored.filter((f) => f.status === 'done').map((f) => f.region);
  const scored: ScoredField[] = [];
  const unscored: CandidateField[] = [];
  const candidateIds = new Set(candidates.map((c) => c.id));
  for (const f of stored) {
    // Fields of another size (an earlier build) stay stored but are not ranked now.
    if (f.status !== 'queued' || !candidateIds.has(f.id)) continue;
    const score = scoreRect(f.region, o.grids);
    if (score === null) unscored.push(candidates.find((c) => c.id === f.id)!);
    else scored.push({ id: f.id, ...f.region, score });
  }
  const ranked = rankFields(scored, { done }).slice(0, o.maxFields ?? scored.length);
  store.applyRanking(o.slideId, ranked, o.modelVersion);
  return { fields: store.list(o.slideId), candidates, unscored };
}
