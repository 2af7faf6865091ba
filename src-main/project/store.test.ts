import { mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { fingerprintFile } from './fingerprint';
import { MIGRATIONS } from './migrations';
import { DATABASE_FILE, ProjectStore, type StoredSlide } from './store';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'semimoe-store-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function slide(id: string, openedAt: string, path = `/slides/${id}.svs`): StoredSlide {
  return { id, path, name: `${id}.svs`, fingerprint: id.repeat(4), fileSize: 10, fileMtime: 1, width: 100, height: 50, format: 'aperio-svs', addedAt: openedAt, openedAt };
}

describe('ProjectStore', () => {
  it('creates a WAL database at the latest schema version', () => {
    const dir = tempDir();
    const store = new ProjectStore(dir);
    expect(store.schemaVersion).toBe(MIGRATIONS.length);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    store.close();
  });

  it('remembers slides across a reopen, most recently opened first', () => {
    const dir = tempDir();
    const store = new ProjectStore(dir);
    store.upsertSlide(slide('aaaaaaaa', '2026-01-01T00:00:00Z'));
    store.upsertSlide(slide('bbbbbbbb', '2026-01-02T00:00:00Z'));
    store.close();
    const again = new ProjectStore(dir);
    expect(again.recentSlides().map((s) => s.id)).toEqual(['bbbbbbbb', 'aaaaaaaa']);
    again.upsertSlide({ ...slide('aaaaaaaa', '2026-01-03T00:00:00Z', '/moved/a.svs'), addedAt: 'ignored' });
    const a = again.getSlide('aaaaaaaa');
    expect(a?.path).toBe('/moved/a.svs');
    expect(a?.addedAt).toBe('2026-01-01T00:00:00Z'); // first-added date is kept
    expect(again.recentSlides()[0].id).toBe('aaaaaaaa');
    expect(again.findSlideByPath('/moved/a.svs')?.id).toBe('aaaaaaaa');
    again.close();
  });

  it('refuses a project written by a newer schema instead of damaging it', () => {
    const dir = tempDir();
    const db = new Database(join(dir, DATABASE_FILE));
    db.pragma(`user_version = ${MIGRATIONS.length + 5}`);
    db.close();
    expect(() => new ProjectStore(dir)).toThrow(/newer Semi-MoE Studio/);
  });
});

describe('fingerprintFile', () => {
  it('is stable for the same content and changes when the content changes', async () => {
    const dir = tempDir();
    const file = join(dir, 'f.bin');
    writeFileSync(file, Buffer.alloc(2_000_000, 7));
    const first = await fingerprintFile(file);
    expect((await fingerprintFile(file)).fingerprint).toBe(first.fingerprint);
    const copy = join(dir, 'copy.bin');
    writeFileSync(copy, Buffer.alloc(2_000_000, 7));
    expect((await fingerprintFile(copy)).fingerprint).toBe(first.fingerprint);
    appendFileSync(file, Buffer.from([1]));
    expect((await fingerprintFile(file)).fingerprint).not.toBe(first.fingerprint);
  });
});
