import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectStore } from '../project/store';
import { loadPredictor } from '../semimoe/predict';
import { openSlide } from '../slides/registry';
import { generateSampleSlide, type SampleSlide } from '../slides/sample';
import { makeTempDir } from '../slides/test-support';
import type { SlideSource } from '../slides/types';
import { FieldStore } from './field-store';
import { predictRegion } from './predict-region';
import { buildQueue, planPredictionRegions, scoreRect } from './queue-builder';
import { gridOf, type UncertaintyGrid } from './result-file';
import { tissueMask } from './tissue';

const STARTER = path.resolve(import.meta.dirname, '../../resources/models/starter');

let tmp: { dir: string; remove: () => Promise<void> };
let sample: SampleSlide;
let slide: SlideSource;
let store: ProjectStore;

beforeAll(async () => {
  tmp = await makeTempDir('inference-queue');
  sample = await generateSampleSlide(tmp.dir, { width: 2048, height: 1536 });
  slide = await openSlide(sample.slidePath);
  store = new ProjectStore(mkdtempSync(path.join(tmp.dir, 'project-')));
  store.upsertSlide({ id: 's1', path: sample.slidePath, name: 'sample', fingerprint: 'f', fileSize: 1, fileMtime: 1, width: 2048, height: 1536, format: 'generic-tiff', addedAt: 'x', openedAt: 'x' });
});
afterAll(async () => {
  store?.close();
  await slide?.close();
  await tmp.remove();
});

describe('building the review queue from real predictions', () => {
  it('plans regions, predicts them, ranks tissue fields by uncertainty, and keeps done fields through a rebuild', async () => {
    const tissue = await tissueMask(slide);
    // Without predictions nothing is scored: every candidate is reported as unscored.
    const empty = await buildQueue({ db: store.db, slideId: 's1', source: slide, fieldSizeUm: 128, modelVersion: 'starter', grids: [], tissue });
    expect(empty.candidates.length).toBeGreaterThan(10);
    expect(empty.unscored).toHaveLength(empty.candidates.length);
    expect(empty.fields.every((f) => f.rank === null)).toBe(true);

    const regions = planPredictionRegions(empty.unscored, slide.metadata.mpp, 1.24);
    expect(regions.length).toBe(1); // 2048 x 1536 at 0.5 um/px is 826 x 619 model px
    const predictor = await loadPredictor(STARTER, 'wasm');
    const grids: UncertaintyGrid[] = [];
    try {
      for (const r of regions) {
        const p = await predictRegion(predictor, slide, r);
        grids.push(gridOf(p.uncertainty, p.width, p.height, p.mapBounds, 16));
      }
    } finally {
      predictor.dispose();
    }
    const built = await buildQueue({ db: store.db, slideId: 's1', source: slide, fieldSizeUm: 128, modelVersion: 'starter', grids, tissue, maxFields: 10 });
    expect(built.unscored).toHaveLength(0);
    const ranked = built.fields.filter((f) => f.rank !== null);
    expect(ranked.map((f) => f.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (let i = 1; i < ranked.length; i++) expect(ranked[i].score!).toBeLessThanOrEqual(ranked[i - 1].score!);
    // The top field is among the most uncertain candidates by raw score.
    const raw = built.candidates.map((c) => scoreRect(c, grids)!).sort((a, b) => b - a);
    const topRaw = scoreRect(ranked[0].region, grids)!;
    expect(topRaw).toBeGreaterThanOrEqual(raw[Math.floor(raw.length * 0.1)]);
    console.log(`${built.candidates.length} candidate fields; raw uncertainty ${raw[raw.length - 1].toFixed(3)}..${raw[0].toFixed(3)}; top field ${topRaw.toFixed(3)}`);

    // Review the top field, rebuild: it stays done, keeps its split, and is not ranked again.
    const fields = new FieldStore(store.db);
    const done = fields.markDone(ranked[0].id);
    const again = await buildQueue({ db: store.db, slideId: 's1', source: slide, fieldSizeUm: 128, modelVersion: 'starter-2', grids, tissue, maxFields: 10 });
    const after = again.fields.find((f) => f.id === done.id)!;
    expect(after).toMatchObject({ status: 'done', rank: null, split: done.split });
    expect(again.fields.filter((f) => f.rank !== null)).toHaveLength(10);
    expect(again.fields[0].modelVersion).toBe('starter-2');
  });

  it('plans regions no larger than the limit that cover every field', () => {
    const fields = [
      { x: 0, y: 0, width: 500, height: 500 },
      { x: 9500, y: 9500, width: 500, height: 500 },
    ];
    const regions = planPredictionRegions(fields, [0.25, 0.25], 1.0, 1000); // 4000 level-0 px per region
    expect(regions.every((r) => r.width <= 4000 && r.height <= 4000)).toBe(true);
    // Only the two corner pieces touch a field.
    expect(regions).toHaveLength(2);
    for (const f of fields) expect(regions.some((r) => r.x <= f.x && r.y <= f.y && r.x + r.width >= f.x + f.width && r.y + r.height >= f.y + f.height)).toBe(true);
  });
});
