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

  it('refuses a slide that is not open', async () => {
    await expect(engine.handle('predict:tissue', { slideId: '0123456789abcdef' })).rejects.toMatchObject({ code: 'not-found' });
  });
});
