/**
 * Schema migrations for the project database. Each entry runs once, in order, inside a
 * transaction; `PRAGMA user_version` records how many have run. Never edit a shipped
 * migration: append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: slides the project remembers, by path and content fingerprint.
  `CREATE TABLE slides (
     id          TEXT PRIMARY KEY,      -- derived from the fingerprint: same content, same id
     path        TEXT NOT NULL,
     name        TEXT NOT NULL,
     fingerprint TEXT NOT NULL,
     file_size   INTEGER NOT NULL,
     file_mtime  REAL NOT NULL,
     width       INTEGER NOT NULL,
     height      INTEGER NOT NULL,
     format      TEXT NOT NULL,
     added_at    TEXT NOT NULL,
     opened_at   TEXT NOT NULL
   );
   CREATE INDEX slides_opened_at ON slides(opened_at DESC);`,

  // 2: glands (annotations) with an R*Tree over their bounding boxes for viewport queries, and
  //    the persisted edit history behind undo/redo.
  `CREATE TABLE annotations (
     rowid         INTEGER PRIMARY KEY,   -- joins the R*Tree; never reused (AUTOINCREMENT-free is fine: rows are soft-deleted)
     id            TEXT NOT NULL UNIQUE,  -- uuid the API and GeoJSON carry
     slide_id      TEXT NOT NULL REFERENCES slides(id),
     geometry      TEXT NOT NULL,         -- GeoJSON Polygon or MultiPolygon coordinates, level-0 pixels
     class_name    TEXT NOT NULL DEFAULT 'Gland',
     source        TEXT NOT NULL CHECK (source IN ('model', 'human')),
     status        TEXT NOT NULL CHECK (status IN ('proposed', 'accepted', 'edited', 'rejected')),
     model_version TEXT,                  -- the model that proposed it; null for human drawings
     confidence    REAL,
     uncertainty   REAL,
     deleted       INTEGER NOT NULL DEFAULT 0,  -- soft delete so that undo can bring it back
     created_at    TEXT NOT NULL,
     updated_at    TEXT NOT NULL
   );
   CREATE INDEX annotations_slide ON annotations(slide_id, deleted);
   CREATE VIRTUAL TABLE annotations_rtree USING rtree(rowid, min_x, max_x, min_y, max_y);
   -- One row per user action; 'changes' holds the before/after rows it touched (JSON) so that
   -- undo and redo replay it exactly. 'undone' marks the redo stack; a new edit drops it.
   CREATE TABLE edits (
     seq        INTEGER PRIMARY KEY AUTOINCREMENT,
     slide_id   TEXT NOT NULL REFERENCES slides(id),
     label      TEXT NOT NULL,
     changes    TEXT NOT NULL,
     undone     INTEGER NOT NULL DEFAULT 0,
     created_at TEXT NOT NULL
   );
   CREATE INDEX edits_slide ON edits(slide_id, seq);`,
  // 3: review fields (the active-learning queue and the labelled data), model versions, and the
  //    cache of predictions per model version and region.
  `CREATE TABLE fields (
     id         TEXT PRIMARY KEY,
     slide_id   TEXT NOT NULL REFERENCES slides(id),
     x          INTEGER NOT NULL,
     y          INTEGER NOT NULL,
     width      INTEGER NOT NULL,
     height     INTEGER NOT NULL,
     split      TEXT NOT NULL CHECK (split IN ('train', 'validation')),
     status     TEXT NOT NULL CHECK (status IN ('queued', 'done')),
     score      REAL,                  -- uncertainty score from the last ranking; null before any
     rank       INTEGER,
     model_version TEXT,               -- the model whose predictions ranked it
     created_at TEXT NOT NULL,
     done_at    TEXT
   );
   CREATE INDEX fields_slide ON fields(slide_id, status, rank);
   CREATE TABLE model_versions (
     id          TEXT PRIMARY KEY,
     parent_id   TEXT,
     dir         TEXT NOT NULL,        -- model folder (tfjs weights + model-card.json)
     created_at  TEXT NOT NULL,
     active      INTEGER NOT NULL DEFAULT 0,
     summary     TEXT NOT NULL         -- JSON: data, steps, metrics (the model card's essentials)
   );
   CREATE TABLE predictions (
     id            TEXT PRIMARY KEY,
     slide_id      TEXT NOT NULL REFERENCES slides(id),
     model_version TEXT NOT NULL,
     x INTEGER NOT NULL, y INTEGER NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL,
     mpp           REAL NOT NULL,      -- resolution the model ran at
     heatmap_dir   TEXT,               -- probability and uncertainty PNGs of this region
     stats         TEXT NOT NULL,      -- JSON: gland count, mean uncertainty, timings
     created_at    TEXT NOT NULL
   );
   CREATE INDEX predictions_slide ON predictions(slide_id, model_version);`,
];
