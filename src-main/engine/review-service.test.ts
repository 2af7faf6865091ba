import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlideInfo } from '../api/contract';
import { generateSampleSlide } from '../slides/sample';
import { StudioEngine } from './studio-engine';

/** Whole-tissue prediction through the engine, on a small generated slide with the starter model. */
describe('predict:tissue', () => {
  let work: string;
  let engine: StudioEngine;
  let slide: SlideInfo;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'semimoe-tissue-'));
    const sample = await generateSampleSlide(join(work, 'sample'), { width: 1024, height: 768, seed: 3 });
    engine = new StudioEngine({ projectDir: join(work, 'project'), mode: 'web' });
    slide = await engine.handle('slides:open', { path: sample.slidePath });
  });
  afterAll(async () => {
    await engine.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('cancels a running prediction: the caller hears "cancelled" and no gland or cache row is written', async () => {
    const region = { x: 0, y: 0, width: 1024, height: 768 };
    const before = await engine.handle('glands:query', { slideId: slide.id, region });
    const stop = engine.on('jobs:progress', () => void engine.handle('predict:cancel', {}));
    const outcome = engine.handle('predict:region', { slideId: slide.id, region: { ...region, width: 1000 } });
    await expect(outcome).rejects.toMatchObject({ code: 'cancelled' });
    stop();
    expect(await engine.handle('glands:query', { slideId: slide.id, region })).toEqual(before);
    expect(engine.review.cache.list(slide.id)).toEqual([]);
  });

  it('predicts every tissue region, stores the glands as proposals, and reuses the cache the second time', async () => {
    const progress: string[] = [];
    const stop = engine.on('jobs:progress', (p) => progress.push(p.message));
    const first = await engine.handle('predict:tissue', { slideId: slide.id });
    stop();
    expect(first.length).toBeGreaterThan(0);
    expect(first.every((s) => !s.cached && s.modelVersion === 'starter')).toBe(true);
    expect(progress.some((m) => /Predicting the tissue: region 1 of/.test(m))).toBe(true);

    const glands = await engine.handle('glands:query', { slideId: slide.id, region: { x: 0, y: 0, width: slide.width, height: slide.height } });
    const predicted = first.reduce((n, s) => n + s.glandCount, 0);
    expect(predicted).toBeGreaterThan(0);
    expect(glands.filter((g) => g.status === 'proposed' && g.modelVersion === 'starter')).toHaveLength(predicted);

    const again = await engine.handle('predict:tissue', { slideId: slide.id });
    expect(again.map((s) => s.cached)).toEqual(first.map(() => true));
  });

  it('marks a field done only once its proposals are decided, or accepts them all when the user confirms', async () => {
    const field = { id: 'field-test', slideId: slide.id, x: 0, y: 0, width: slide.width, height: slide.height, split: 'train' as const, tissueFraction: 1 };
    engine.review.fields.addCandidates([field]);
    const proposed = () => engine.glands.glandsIn(slide.id, field, ['proposed']);
    expect(proposed().length).toBeGreaterThan(0);

    await expect(engine.handle('fields:markDone', { fieldId: field.id, acceptProposed: false })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/not reviewed yet/),
    });
    expect(engine.review.fields.get(field.id)?.status).toBe('queued');

    const ids = proposed().map((g) => g.id);
    const done = await engine.handle('fields:markDone', { fieldId: field.id, acceptProposed: true });
    expect(done).toMatchObject({ id: field.id, status: 'done' });
    expect(proposed()).toEqual([]);
    expect(ids.every((id) => engine.glands.get(id)?.status === 'accepted')).toBe(true);
    // Accepting them all was one undoable step.
    const undone = await engine.handle('glands:undo', { slideId: slide.id });
    expect(undone.changed.filter((g) => g.status === 'proposed')).toHaveLength(ids.length);
  });

  it('refuses a slide that is not open', async () => {
    await expect(engine.handle('predict:tissue', { slideId: '0123456789abcdef' })).rejects.toMatchObject({ code: 'not-found' });
  });
});
