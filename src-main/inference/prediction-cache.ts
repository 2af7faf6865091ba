/**
 * The `predictions` table (migration 3) as a cache: one row per (slide, model version,
 * region), with the folder holding its heat maps and result file, so a region is not predicted
 * twice by the same model. A cached prediction of a larger region serves any region inside it
 * (its glands filtered by centroid), since predictRegion keeps glands by centroid too.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Database } from 'better-sqlite3';
import type { Rect } from './region';

export interface CachedPrediction {
  id: string;
  slideId: string;
  modelVersion: string;
  region: Rect;
  mpp: number;
  /** Folder with the heat maps and the result file; null if it was not kept. */
  dir: string | null;
  stats: Record<string, unknown>;
  createdAt: string;
}

interface PredictionRow {
  id: string;
  slide_id: string;
  model_version: string;
  x: number;
  y: number;
  width: number;
  height: number;
  mpp: number;
  heatmap_dir: string | null;
  stats: string;
  created_at: string;
}

const toCached = (r: PredictionRow): CachedPrediction => ({
  id: r.id,
  slideId: r.slide_id,
  modelVersion: r.model_version,
  region: { x: r.x, y: r.y, width: r.width, height: r.height },
  mpp: r.mpp,
  dir: r.heatmap_dir,
  stats: JSON.parse(r.stats) as Record<string, unknown>,
  createdAt: r.created_at,
});

export function predictionId(slideId: string, modelVersion: string, r: Rect): string {
  return `pred-${createHash('sha256').update(`${slideId}:${modelVersion}:${r.x}:${r.y}:${r.width}:${r.height}`).digest('hex').slice(0, 20)}`;
}

export class PredictionCache {
  constructor(private readonly db: Database) {}

  record(p: Omit<CachedPrediction, 'id' | 'createdAt'> & { createdAt?: string }): CachedPrediction {
    const id = predictionId(p.slideId, p.modelVersion, p.region);
    const createdAt = p.createdAt ?? new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO predictions (id, slide_id, model_version, x, y, width, height, mpp, heatmap_dir, stats, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET mpp = excluded.mpp, heatmap_dir = excluded.heatmap_dir, stats = excluded.stats, created_at = excluded.created_at`,
      )
      .run(id, p.slideId, p.modelVersion, p.region.x, p.region.y, p.region.width, p.region.height, p.mpp, p.dir, JSON.stringify(p.stats), createdAt);
    return { ...p, id, createdAt };
  }

  /**
   * The prediction of exactly this region, else the smallest one containing it, by this model;
   * null when there is none or its folder has gone (then the row is dropped: it cannot serve).
   */
  lookup(slideId: string, modelVersion: string, r: Rect): CachedPrediction | null {
    const rows = this.db
      .prepare(
        `SELECT * FROM predictions WHERE slide_id = ? AND model_version = ?
           AND x <= ? AND y <= ? AND x + width >= ? AND y + height >= ?
         ORDER BY width * height`,
      )
      .all(slideId, modelVersion, r.x, r.y, r.x + r.width, r.y + r.height) as PredictionRow[];
    for (const row of rows) {
      if (row.heatmap_dir !== null && !existsSync(row.heatmap_dir)) {
        this.db.prepare(`DELETE FROM predictions WHERE id = ?`).run(row.id);
        continue;
      }
      return toCached(row);
    }
    return null;
  }

  get(id: string): CachedPrediction | null {
    const row = this.db.prepare(`SELECT * FROM predictions WHERE id = ?`).get(id) as PredictionRow | undefined;
    return row ? toCached(row) : null;
  }

  list(slideId: string, modelVersion?: string): CachedPrediction[] {
    const rows = (
      modelVersion === undefined
        ? this.db.prepare(`SELECT * FROM predictions WHERE slide_id = ? ORDER BY created_at`).all(slideId)
        : this.db.prepare(`SELECT * FROM predictions WHERE slide_id = ? AND model_version = ? ORDER BY created_at`).all(slideId, modelVersion)
    ) as PredictionRow[];
    return rows.map(toCached);
  }

  /** Forgets a slide's predictions by other model versions than `keep` (their folders are the caller's to delete). */
  forgetOtherVersions(slideId: string, keep: string): CachedPrediction[] {
    const gone = this.list(slideId).filter((p) => p.modelVersion !== keep);
    this.db.prepare(`DELETE FROM predictions WHERE slide_id = ? AND model_version != ?`).run(slideId, keep);
    return gone;
  }
}
