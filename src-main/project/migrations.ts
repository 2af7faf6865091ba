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
];
