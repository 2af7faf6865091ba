/**
 * The `fields` table (migration 3): review fields per slide, their split, status and ranking.
 * Ranking changes score, rank and model_version only: split and status belong to the field
 * (a done field stays done and keeps its split when the queue is rebuilt).
 */
import type { Database } from 'better-sqlite3';
import type { ReviewField } from '../api/contract';
import type { CandidateField } from './fields';
import type { RankedField } from './queue';

interface FieldRow {
  id: string;
  slide_id: string;
  x: number;
  y: number;
  width: number;
  height: number;
  split: 'train' | 'validation';
  status: 'queued' | 'done';
  score: number | null;
  rank: number | null;
  model_version: string | null;
  created_at: string;
  done_at: string | null;
}

export interface StoredField extends ReviewField {
  modelVersion: string | null;
  createdAt: string;
  doneAt: string | null;
}

function toField(r: FieldRow): StoredField {
  return {
    id: r.id,
    slideId: r.slide_id,
    region: { x: r.x, y: r.y, width: r.width, height: r.height },
    split: r.split,
    status: r.status,
    score: r.score,
    rank: r.rank,
    modelVersion: r.model_version,
    createdAt: r.created_at,
    doneAt: r.done_at,
  };
}

export class FieldStore {
  constructor(private readonly db: Database) {}

  /** Adds candidate fields; ones already stored (same id) are left as they are. */
  addCandidates(fields: readonly CandidateField[], now = new Date().toISOString()): number {
    const insert = this.db.prepare(
      `INSERT INTO fields (id, slide_id, x, y, width, height, split, status, score, rank, model_version, created_at, done_at)
       VALUES (@id, @slideId, @x, @y, @width, @height, @split, 'queued', NULL, NULL, NULL, @now, NULL)
       ON CONFLICT(id) DO NOTHING`,
    );
    let added = 0;
    this.db.transaction(() => {
      for (const f of fields) added += insert.run({ id: f.id, slideId: f.slideId, x: f.x, y: f.y, width: f.width, height: f.height, split: f.split, now }).changes;
    })();
    return added;
  }

  /**
   * Stores a ranking of a slide's queued fields: the given ones get their rank and adjusted
   * score; other queued fields of the slide lose theirs (they were not scored this time).
   */
  applyRanking(slideId: string, ranked: readonly RankedField[], modelVersion: string | null): void {
    const clear = this.db.prepare(`UPDATE fields SET score = NULL, rank = NULL WHERE slide_id = ? AND status = 'queued'`);
    const set = this.db.prepare(`UPDATE fields SET score = ?, rank = ?, model_version = ? WHERE id = ? AND slide_id = ? AND status = 'queued'`);
    this.db.transaction(() => {
      clear.run(slideId);
      for (const f of ranked) set.run(f.adjustedScore, f.rank, modelVersion, f.id, slideId);
    })();
  }

  /** A slide's fields: ranked ones by rank, then unranked, then done ones (by when done). */
  list(slideId: string, status?: 'queued' | 'done'): StoredField[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM fields WHERE slide_id = ? ${status ? 'AND status = ?' : ''}
         ORDER BY status = 'done', rank IS NULL, rank, done_at, y, x`,
      )
      .all(...(status ? [slideId, status] : [slideId])) as FieldRow[];
    return rows.map(toField);
  }

  get(id: string): StoredField | null {
    const row = this.db.prepare(`SELECT * FROM fields WHERE id = ?`).get(id) as FieldRow | undefined;
    return row ? toField(row) : null;
  }

  /** Marks a field reviewed: it leaves the queue (rank cleared) and becomes labelled data. */
  markDone(id: string, now = new Date().toISOString()): StoredField {
    const result = this.db.prepare(`UPDATE fields SET status = 'done', done_at = ?, rank = NULL WHERE id = ?`).run(now, id);
    if (result.changes === 0) throw new Error(`no field ${id}`);
    return this.get(id)!;
  }

  /** Puts a done field back in the queue (unranked until the next ranking). */
  reopen(id: string): StoredField {
    const result = this.db.prepare(`UPDATE fields SET status = 'queued', done_at = NULL WHERE id = ?`).run(id);
    if (result.changes === 0) throw new Error(`no field ${id}`);
    return this.get(id)!;
  }
}
