/**
 * Faults, each with real files: a slide deleted, moved or rewritten while open; a corrupt or
 * missing model; a full disk while saving (a 512 KiB tmpfs made for the test). Each must give a
 * clear error and leave the previous state intact, and the app must keep answering.
 *
 * Covered elsewhere: the app killed mid-edit (src-main/annotations/crash.test.ts, SIGKILL of a
 * child process between acknowledged edits) and the trainer killed mid-run
 * (src-main/trainer/host.test.ts, "reports a process killed from outside mid-run as a crash"
 * and "never leaves a partial model directory when killed while writing it").
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gland, SlideInfo } from '../api/contract';
import { toErrorBody } from '../api/errors';
import { startHttpServer, type RunningServer } from '../api/http';
import { packageRoot } from '../engine/paths';
import { StudioEngine } from '../engine/studio-engine';
import { loadPredictor } from '../semimoe/predict';
import { writeDirAtomic, writeFileAtomic } from '../trainer/atomic-write';
import { jsonOf, postJson, rawRequest, writePyramidTiff } from './support';

const work = mkdtempSync(join(tmpdir(), 'semimoe-faults-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Waits past OpenSlides' file-check interval, so the next tile request looks at the file again. */
const pastFileCheck = () => new Promise((r) => setTimeout(r, 1100));

describe('a slide deleted, moved or rewritten while open', () => {
  let engine: StudioEngine;
  let server: RunningServer;
  let base: string;
  let slide: SlideInfo;
  const slidePath = join(work, 'open-slide.tif');
  const tileAt = (col: number) => `/tiles/${slide.id}/${slide.tiles.maxLevel}/${col}_0.jpeg`;

  beforeAll(async () => {
    await writePyramidTiff(slidePath, 2048, 512);
    engine = new StudioEngine({ projectDir: join(work, 'project-slides'), mode: 'web' });
    server = await startHttpServer({ engine, host: '127.0.0.1', port: 0, token: null, staticDir: work });
    base = server.url;
    slide = jsonOf<SlideInfo>(await postJson(base, 'slides:open', { path: slidePath }));
    expect((await rawRequest(base, tileAt(0))).status).toBe(200);
  });
  afterAll(async () => {
    await server.close();
    await engine.close();
  });

  async function expectStillRunning(): Promise<void> {
    expect((await rawRequest(base, '/api/health')).status).toBe(200);
    expect((await postJson(base, 'app:info', {})).status).toBe(200);
  }

  it('moved: tiles answer a clear error, slides:get says missing, moving it back heals', async () => {
    renameSync(slidePath, `${slidePath}.moved`);
    await pastFileCheck();
    // A tile already cached and one never read: neither is served from the vanished file.
    for (const col of [0, 3]) {
      const res = await rawRequest(base, tileAt(col));
      expect(res.status).toBe(404);
      expect(jsonOf<{ error: { code: string; message: string } }>(res).error.message).toMatch(/moved or deleted/);
    }
    const info = jsonOf<SlideInfo>(await postJson(base, 'slides:get', { id: slide.id }));
    expect(info.status).toBe('missing');
    await expectStillRunning();

    renameSync(`${slidePath}.moved`, slidePath);
    expect((await rawRequest(base, tileAt(3))).status).toBe(200);
    expect(jsonOf<SlideInfo>(await postJson(base, 'slides:get', { id: slide.id })).status).toBe('ok');
  });

  it('rewritten with other content: tiles answer 409 conflict, slides:get says changed', async () => {
    const backup = `${slidePath}.orig`;
    cpSync(slidePath, backup);
    await writePyramidTiff(slidePath, 1024, 1024);
    await pastFileCheck();
    const res = await rawRequest(base, tileAt(1));
    expect(res.status).toBe(409);
    expect(jsonOf<{ error: { message: string } }>(res).error.message).toMatch(/changed on disk/);
    expect(jsonOf<SlideInfo>(await postJson(base, 'slides:get', { id: slide.id })).status).toBe('changed');
    await expectStillRunning();
    renameSync(backup, slidePath);
  });

  it('deleted: tiles answer a clear error, slides:get and slides:recent say missing', async () => {
    unlinkSync(slidePath);
    await pastFileCheck();
    const res = await rawRequest(base, tileAt(2));
    expect(res.status).toBe(404);
    expect(jsonOf<{ error: { message: string } }>(res).error.message).toMatch(/moved or deleted/);
    expect(jsonOf<SlideInfo>(await postJson(base, 'slides:get', { id: slide.id })).status).toBe('missing');
    const recent = jsonOf<Array<{ id: string; status: string }>>(await postJson(base, 'slides:recent', {}));
    expect(recent.find((r) => r.id === slide.id)?.status).toBe('missing');
    // Opening the deleted path again is a clear not-found, not a crash.
    const reopen = await postJson(base, 'slides:open', { path: slidePath });
    expect(jsonOf<{ error: { code: string } }>(reopen).error.code).toBe('not-found');
    await expectStillRunning();
  });
});

describe('a corrupt or missing model', () => {
  const starter = join(packageRoot(), 'resources', 'models', 'starter');
  let engine: StudioEngine;

  beforeAll(async () => {
    engine = new StudioEngine({ projectDir: join(work, 'project-models'), mode: 'web' });
    await engine.handle('models:list', {});
  });
  afterAll(async () => engine.close());

  function register(id: string, dir: string): void {
    engine.models.register({
      id, parentId: 'starter', dir, activate: false, description: id,
      metrics: { dice: null, iou: null, objectF1: null },
      trainedOn: { labelledFields: 1, unlabelledTiles: 0, steps: 1, seconds: 1 },
    });
  }

  it('refuses to activate a version whose files are gone; the active model stays', async () => {
    const dir = join(work, 'project-models', 'models', 'vanished');
    mkdirSync(dir, { recursive: true });
    register('vanished', dir);
    const before = await engine.handle('models:list', {});
    await expect(engine.handle('models:activate', { id: 'vanished' })).rejects.toMatchObject({ code: 'no-model', message: /missing its files/ });
    expect(await engine.handle('models:list', {})).toEqual(before);
    expect(engine.models.active().id).toBe('starter');
  });

  it('a truncated weights.bin or a bad model.json fails to load with a clear error', async () => {
    const truncated = join(work, 'truncated');
    cpSync(starter, truncated, { recursive: true });
    truncateSync(join(truncated, 'weights.bin'), Math.floor(readFileSync(join(starter, 'weights.bin')).length / 3));
    await expect(loadPredictor(truncated, 'cpu')).rejects.toThrow(/cannot load model from .*truncated.*weights\.bin is shorter than its manifest/);

    const notJson = join(work, 'not-json');
    cpSync(starter, notJson, { recursive: true });
    writeFileSync(join(notJson, 'model.json'), '{"format": "semimoe-weights", "weightsManifest": [');
    await expect(loadPredictor(notJson, 'cpu')).rejects.toThrow(/cannot load model from .*not-json.*JSON/);

    const wrongKind = join(work, 'wrong-kind');
    cpSync(starter, wrongKind, { recursive: true });
    writeFileSync(join(wrongKind, 'model.json'), JSON.stringify({ format: 'keras', modelTopology: {} }));
    await expect(loadPredictor(wrongKind, 'cpu')).rejects.toThrow(/is not a Semi-MoE checkpoint/);

    const noWeights = join(work, 'no-weights');
    cpSync(starter, noWeights, { recursive: true });
    unlinkSync(join(noWeights, 'weights.bin'));
    await expect(loadPredictor(noWeights, 'cpu')).rejects.toThrow(/cannot load model from .*no-weights.*ENOENT/);

    // The starter (the active model) still loads: nothing above touched it.
    const ok = await loadPredictor(starter, 'cpu');
    ok.dispose();
    expect(engine.models.active().id).toBe('starter');
  });
});

/** A 512 KiB tmpfs for the full-disk tests, or the reason it cannot be made here. */
function mountSmallDisk(dir: string): string | null {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (error) {
    const detail = (error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message;
    return `cannot mount a small tmpfs here (${detail}); run as root in a container with CAP_SYS_ADMIN`;
  }
}

const disk = join(work, 'small-disk');
const noDisk = mountSmallDisk(disk);
if (noDisk) console.warn(`[faults] full-disk tests skipped: ${noDisk}`);

describe.skipIf(noDisk !== null)('a full disk while saving (512 KiB tmpfs)', () => {
  afterAll(() => {
    try {
      execFileSync('umount', [disk]);
    } catch {
      // Already gone; rmSync of the work folder follows.
    }
  });

  /** Fills the disk with a file until ENOSPC, leaving `keepFree` bytes or fewer. */
  function fill(name: string, keepFree: number): void {
    const chunk = Buffer.alloc(16 * 1024, 7);
    const path = join(disk, name);
    writeFileSync(path, '');
    for (;;) {
      const free = Number(execFileSync('df', ['--output=avail', '-B1', disk]).toString().split('\n')[1].trim());
      if (free <= keepFree) return;
      try {
        writeFileSync(path, chunk.subarray(0, Math.min(chunk.length, free - keepFree)), { flag: 'a' });
      } catch {
        return;
      }
    }
  }

  it('writeFileAtomic and writeDirAtomic fail with ENOSPC and leave the previous version', async () => {
    const file = join(disk, 'status.json');
    await writeFileAtomic(file, '{"version":1}');
    const dir = join(disk, 'model');
    await writeDirAtomic(dir, async (tmp) => writeFileSync(join(tmp, 'model.json'), '{"v":1}'));
    fill('filler-a', 64 * 1024);

    const big = Buffer.alloc(256 * 1024, 1);
    const fileError = await writeFileAtomic(file, big).catch((e: unknown) => e);
    expect((fileError as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(toErrorBody(fileError)).toMatchObject({ code: 'disk-full', message: expect.stringMatching(/disk holding the project is full.*previous state is intact/) });
    expect(readFileSync(file, 'utf8')).toBe('{"version":1}');

    const dirError = await writeDirAtomic(dir, async (tmp) => {
      writeFileSync(join(tmp, 'model.json'), '{"v":2}');
      writeFileSync(join(tmp, 'weights.bin'), big);
    }).catch((e: unknown) => e);
    expect((dirError as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(readdirSync(dir)).toEqual(['model.json']);
    expect(readFileSync(join(dir, 'model.json'), 'utf8')).toBe('{"v":1}');
    // No temporary siblings left behind to eat the little space there is.
    expect(readdirSync(disk).filter((n) => n.includes('.tmp-') || n.includes('.old-'))).toEqual([]);
    rmSync(join(disk, 'filler-a'));
  });

  it('the SQLite project store refuses the edit that does not fit and keeps every acknowledged one', async () => {
    const slidePath = join(work, 'disk-slide.tif');
    await writePyramidTiff(slidePath, 512, 512);
    const projectDir = join(disk, 'project');
    const engine = new StudioEngine({ projectDir, mode: 'web' });
    const slide = await engine.handle('slides:open', { path: slidePath });
    // Glands with 2,000-point outlines: ~50 KiB of geometry and history each.
    const circle = (cx: number, cy: number) => {
      const ring: [number, number][] = [];
      for (let i = 0; i < 2000; i++) ring.push([cx + 20 * Math.cos((2 * Math.PI * i) / 2000), cy + 20 * Math.sin((2 * Math.PI * i) / 2000)]);
      ring.push(ring[0]);
      return ring;
    };
    let acknowledged = 0;
    let failure: unknown = null;
    for (let i = 0; i < 200 && !failure; i++) {
      try {
        await engine.handle('glands:edit', { slideId: slide.id, edit: { kind: 'create', polygons: [[circle(30 + (i % 10) * 45, 30 + Math.floor(i / 10) * 45)]] } });
        acknowledged++;
      } catch (error) {
        failure = error;
      }
    }
    expect(failure, 'the disk never filled up').not.toBeNull();
    expect(acknowledged).toBeGreaterThan(0);
    const body = toErrorBody(failure);
    expect(body).toMatchObject({ code: 'disk-full', message: expect.stringMatching(/disk holding the project is full/) });

    // The engine still answers reads, and every acknowledged gland is there.
    const region = { x: 0, y: 0, width: 512, height: 512 };
    expect((await engine.handle('glands:query', { slideId: slide.id, region })).length).toBe(acknowledged);
    await engine.close();

    // On disk too: reopen the file as a new process would; it is consistent.
    const db = new Database(join(projectDir, 'project.sqlite'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
    const reopened = new StudioEngine({ projectDir, mode: 'web' });
    try {
      await reopened.handle('slides:open', { path: slidePath });
      const glands: Gland[] = await reopened.handle('glands:query', { slideId: slide.id, region });
      expect(glands.length).toBe(acknowledged);
    } finally {
      await reopened.close();
    }
    expect(existsSync(projectDir)).toBe(true);
  });
});
