import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS } from './migrations';

export const DATABASE_FILE = 'project.sqlite';

export interface StoredSlide {
  id: string;
  path: string;
  name: string;
  fingerprint: string;
  fileSize: number;
  fileMtime: number;
  width: number;
  height: number;
  format: string;
  addedAt: string;
  openedAt: string;
}

interface SlideRow {
  id: string;
  path: string;
  name: string;
  fingerprint: string;
  file_size: number;
  file_mtime: number;
  width: number;
  height: number;
  format: string;
  added_at: string;
  opened_at: string;
}

function toStoredSlide(row: SlideRow): StoredSlide {
  return {
    id: row.id,
    path: row.path,
    name: row.name,
    fingerprint: row.fingerprint,
    fileSize: row.file_size,
    fileMtime: row.file_mtime,
    width: row.width,
    height: row.height,
    format: row.format,
    addedAt: row.added_at,
    openedAt: row.opened_at,
  };
}

/**
 * A project folder's SQLite database. WAL mode with synchronous=NORMAL: every committed write
 * survives an application crash; only a power cut can lose the last transactions.
 */
export class ProjectStore {
  readonly db: Database.Database;

  constructor(readonly projectDir: string) {
    mkdirSync(projectDir, { recursive: true });
    this.db = new Database(join(projectDir, DATABASE_FILE));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.migrate();
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  private migrate(): void {
    const current = this.schemaVersion;
    if (current > MIGRATIONS.length) {
      throw new Error(
        `This project was written by a newer Semi-MoE Studio (schema ${current}, this version knows ${MIGRATIONS.length}). Update the app to open it.`,
      );
    }
    for (let version = current; version < MIGRATIONS.length; version++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[version]);
        this.db.pragma(`user_version = ${version + 1}`);
      })();
    }
  }

  /** Insert or refresh a slide; `openedAt` moves it to the top of the recent list. */
  upsertSlide(slide: StoredSlide): void {
    this.db
      .prepare(
        `INSERT INTO slides (id, path, name, fingerprint, file_size, file_mtime, width, height, format, added_at, opened_at)
         VALUES (@id, @path, @name, @fingerprint, @fileSize, @fileMtime, @width, @height, @format, @addedAt, @openedAt)
         ON CONFLICT(id) DO UPDATE SET path = excluded.path, name = excluded.name, file_size = excluded.file_size,
           file_mtime = excluded.file_mtime, width = excluded.width, height = excluded.height,
           format = excluded.format, opened_at = excluded.opened_at`,
      )
      .run(slide);
  }

  getSlide(id: string): StoredSlide | null {
    const row = this.db.prepare('SELECT * FROM slides WHERE id = ?').get(id) as SlideRow | undefined;
    return row ? toStoredSlide(row) : null;
  }

  findSlideByPath(path: string): StoredSlide | null {
    const row = this.db.prepare('SELECT * FROM slides WHERE path = ? ORDER BY opened_at DESC LIMIT 1').get(path) as
      | SlideRow
      | undefined;
    return row ? toStoredSlide(row) : null;
  }

  recentSlides(limit = 20): StoredSlide[] {
    const rows = this.db.prepare('SELECT * FROM slides ORDER BY opened_at DESC LIMIT ?').all(limit) as SlideRow[];
    return rows.map(toStoredSlide);
  }

  close(): void {
    this.db.close();
  }
}
