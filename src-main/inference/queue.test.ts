import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProjectStore } from '../project/store';
import { FieldStore } from './field-store';
import { fieldId, fieldSplit, layoutFields, meanOverRect, type CandidateField } from './fields';
import { PredictionCache } from './prediction-cache';
import { rankFields, type ScoredField } from './queue';
import type { TissueMask } from './tissue';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function openStore(): ProjectStore {
  const dir = mkdtempSync(join(tmpdir(), 'semimoe-queue-'));
  dirs.push(dir);
  const store = new ProjectStore(dir);
  store.upsertSlide({ id: 'slide1', path: '/s/a.svs', name: 'a.svs', fingerprint: 'f', fileSize: 1, fileMtime: 1, width: 10_000, height: 10_000, format: 'aperio-svs', addedAt: 'x', openedAt: 'x' });
  return store;
}

/** A 6 x 6 grid of 500-px fields with a low, uneven background score. */
function grid(): ScoredField[] {
  const out: ScoredField[] = [];
  for (let r = 0; r < 6; r++) for (let c = 0; c < 6; c++) out.push({ id: `f${r}${c}`, x: c * 500, y: r * 500, width: 500, height: 500, score: 0.1 + 0.01 * ((r * 7 + c * 3) % 5) });
  return out;
}

describe('active-learning queue ranking', () => {
  it('puts the known most uncertain field first and keeps the order by adjusted score', () => {
    const fields = grid();
    fields.find((f) => f.id === 'f42')!.score = 0.9;
    const ranked = rankFields(fields);
    expect(ranked[0].id).toBe('f42');
    expect(ranked.map((f) => f.rank)).toEqual(fields.map((_, i) => i + 1));
    for (let i = 1; i < ranked.length; i++) expect(ranked[i].adjustedScore).toBeLessThanOrEqual(ranked[i - 1].adjustedScore);
    expect(new Set(ranked.map((f) => f.id)).size).toBe(fields.length);
  });

  it('diversity pushes a near-duplicate neighbour below a less uncertain field elsewhere', () => {
    const fields = grid();
    fields.find((f) => f.id === 'f00')!.score = 0.9; // most uncertain
    fields.find((f) => f.id === 'f01')!.score = 0.85; // its neighbour, almost as uncertain
    fields.find((f) => f.id === 'f55')!.score = 0.6; // far away, clearly less uncertain
    const plain = rankFields(fields, { penalty: 0 });
    expect(plain.slice(0, 3).map((f) => f.id)).toEqual(['f00', 'f01', 'f55']);
    const diverse = rankFields(fields);
    expect(diverse.slice(0, 2).map((f) => f.id)).toEqual(['f00', 'f55']);
    expect(diverse.findIndex((f) => f.id === 'f01')).toBeGreaterThan(1);
  });

  it('done fields push their neighbours down without being ranked', () => {
    const fields = grid();
    fields.find((f) => f.id === 'f00')!.score = 0.9;
    fields.find((f) => f.id === 'f55')!.score = 0.6;
    const ranked = rankFields(fields, { done: [{ x: 0, y: 500, width: 500, height: 500 }] });
    expect(ranked[0].id).toBe('f55');
  });
});

describe('appearance diversity in the queue', () => {
  /** Far-apart fields (different images or slides): only appearance can tell them apart. */
  const far = (id: string, score: number, features: number[]): ScoredField => ({ id, x: Number(id.slice(1)) * 1e7, y: 0, width: 500, height: 500, score, features });

  it('pushes a look-alike of a picked field below a less uncertain field that looks different', () => {
    const fields = [far('f1', 0.9, [1, 0.2]), far('f2', 0.85, [1.01, 0.2]), far('f3', 0.6, [0.2, 0.8]), far('f4', 0.3, [0.5, 0.5])];
    expect(rankFields(fields.map(({ features: _f, ...f }) => f)).map((f) => f.id)).toEqual(['f1', 'f2', 'f3', 'f4']);
    const ranked = rankFields(fields);
    expect(ranked.slice(0, 2).map((f) => f.id)).toEqual(['f1', 'f3']);
    expect(ranked.map((f) => f.rank)).toEqual([1, 2, 3, 4]);
  });

  it('with information density, prefers a typical field to an outlier of the same uncertainty', () => {
    // f9 is alone at one end of feature space; f1 sits among f2-f4, which are less uncertain.
    const fields = [far('f9', 0.8, [5, 5]), far('f1', 0.78, [0, 0]), far('f2', 0.3, [0.1, 0]), far('f3', 0.3, [0, 0.1]), far('f4', 0.3, [0.1, 0.1])];
    expect(rankFields(fields)[0].id).toBe('f9');
    expect(rankFields(fields, { densityWeight: 1 })[0].id).toBe('f1');
  });

  it('counts done fields by appearance too, and refuses feature vectors of different lengths', () => {
    const fields = [far('f1', 0.9, [1, 0.2]), far('f3', 0.6, [0.2, 0.8]), far('f4', 0.3, [0.5, 0.5])];
    const done = [{ x: 5e8, y: 0, width: 500, height: 500, features: [1, 0.21] }];
    expect(rankFields(fields, { done })[0].id).toBe('f3');
    expect(() => rankFields([far('f1', 0.9, [1, 2]), far('f2', 0.5, [1])])).toThrow(/same length/);
  });
});

describe('candidate fields', () => {
  it('lays out whole fields over tissue with a stable, roughly 20% validation split', () => {
    // Tissue on the left half of a 4000 x 2000 slide at 0.5 um/px; mask at 16 um/px.
    const w = 125;
    const h = 63;
    const mask = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w / 2; x++) mask[y * w + x] = 1;
    const tissue: TissueMask = { mask, width: w, height: h, scale: [4000 / w, 2000 / h], mpp: 16, threshold: 0.1, level: 0 };
    const fields = layoutFields('slide1', { width: 4000, height: 2000, mpp: [0.5, 0.5] }, tissue, { fieldSizeUm: 100 });
    // 200-px fields: 20 x 10 grid, the left 10 columns are tissue.
    expect(fields).toHaveLength(100);
    expect(fields.every((f) => f.width === 200 && f.x + f.width <= 2000 + 16)).toBe(true);
    expect(layoutFields('slide1', { width: 4000, height: 2000, mpp: [0.5, 0.5] }, tissue, { fieldSizeUm: 100 })).toEqual(fields);
    const validation = fields.filter((f) => f.split === 'validation').length;
    expect(validation).toBeGreaterThan(8);
    expect(validation).toBeLessThan(35);
    expect(fieldSplit('slide1', fields[0])).toBe(fields[0].split);
    expect(fieldId('slide2', fields[0])).not.toBe(fields[0].id);
  });

  it('scores a field by the mean of a map over it', () => {
    const map = new Float32Array([0, 1, 0, 1]);
    expect(meanOverRect(map, 2, 2, { x: 100, y: 100, width: 20, height: 20 }, { x: 110, y: 100, width: 10, height: 20 })).toBe(1);
    expect(meanOverRect(map, 2, 2, { x: 100, y: 100, width: 20, height: 20 }, { x: 100, y: 100, width: 20, height: 20 })).toBe(0.5);
    expect(meanOverRect(map, 2, 2, { x: 100, y: 100, width: 20, height: 20 }, { x: 0, y: 0, width: 50, height: 50 })).toBeNull();
  });
});

describe('FieldStore and PredictionCache on the project database', () => {
  it('stores candidates, applies a ranking, lists by rank, marks done and keeps done fields through re-ranking', () => {
    const store = openStore();
    const fields = new FieldStore(store.db);
    const candidates: CandidateField[] = grid().map((f) => ({ ...f, id: fieldId('slide1', f), slideId: 'slide1', split: fieldSplit('slide1', f), tissueFraction: 1 }));
    expect(fields.addCandidates(candidates)).toBe(36);
    expect(fields.addCandidates(candidates)).toBe(0);
    const scored = grid().map((f, i) => ({ ...f, id: candidates[i].id }));
    scored[10].score = 0.95;
    fields.applyRanking('slide1', rankFields(scored), 'model-a');
    const listed = fields.list('slide1');
    expect(listed[0]).toMatchObject({ id: candidates[10].id, rank: 1, status: 'queued', modelVersion: 'model-a', region: { x: 2000, y: 500, width: 500, height: 500 } });
    expect(listed.map((f) => f.rank)).toEqual(listed.map((_, i) => i + 1));
    const done = fields.markDone(candidates[10].id, '2026-01-01T00:00:00Z');
    expect(done).toMatchObject({ status: 'done', rank: null, doneAt: '2026-01-01T00:00:00Z', split: candidates[10].split });
    fields.applyRanking('slide1', rankFields(scored.filter((_, i) => i !== 10)), 'model-b');
    const again = fields.list('slide1');
    expect(again[again.length - 1]).toMatchObject({ id: candidates[10].id, status: 'done', modelVersion: 'model-a' });
    expect(fields.list('slide1', 'queued')).toHaveLength(35);
    expect(fields.get('nope')).toBeNull();
    expect(() => fields.markDone('nope')).toThrow(/no field/);
    store.close();
  });

  it('finds a cached prediction for the same or a contained region and model version only', () => {
    const store = openStore();
    const cache = new PredictionCache(store.db);
    const dir = join(dirs[0], 'pred-1');
    mkdirSync(dir);
    const region = { x: 1000, y: 1000, width: 2000, height: 1500 };
    cache.record({ slideId: 'slide1', modelVersion: 'v1', region, mpp: 1.24, dir, stats: { glandCount: 4 } });
    expect(cache.lookup('slide1', 'v1', region)).toMatchObject({ region, dir, stats: { glandCount: 4 } });
    expect(cache.lookup('slide1', 'v1', { x: 1500, y: 1200, width: 500, height: 500 })?.region).toEqual(region);
    expect(cache.lookup('slide1', 'v2', region)).toBeNull();
    expect(cache.lookup('slide1', 'v1', { x: 900, y: 1000, width: 500, height: 500 })).toBeNull();
    // Recording the same key again replaces the row, it does not add one.
    cache.record({ slideId: 'slide1', modelVersion: 'v1', region, mpp: 1.24, dir, stats: { glandCount: 5 } });
    expect(cache.list('slide1')).toHaveLength(1);
    // A row whose folder has gone cannot serve and is dropped.
    rmSync(dir, { recursive: true });
    expect(cache.lookup('slide1', 'v1', region)).toBeNull();
    expect(cache.list('slide1')).toHaveLength(0);
    store.close();
  });
});
