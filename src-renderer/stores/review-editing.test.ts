import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { EditResult, Gland, ReviewField, SlideInfo } from '../../src-main/api/contract';
import { useEditingStore } from './editing';
import { useGlandStore } from './glands';
import { useNoticeStore } from './notices';
import { predictionRegion } from './prediction';
import { sortFields, useReviewStore } from './review';
import { useSlideStore } from './slides';
import { fakeEngine } from './fake-engine.test-support';

const SLIDE: SlideInfo = {
  id: 'ssssssssssssssss', path: '/data/s.svs', name: 's.svs', format: 'aperio-svs', vendor: 'aperio', width: 10000, height: 8000,
  levels: [{ width: 10000, height: 8000, downsample: 1 }], mpp: [0.5, 0.5], objectivePower: 20, associatedImages: [],
  fingerprint: 's'.repeat(64), status: 'ok', tiles: { tileSize: 254, overlap: 1, maxLevel: 14, format: 'jpeg' },
};

function gland(id: string, x: number, y: number, status: Gland['status'] = 'proposed'): Gland {
  return {
    id, slideId: SLIDE.id, polygons: [[[[x, y], [x + 50, y], [x + 50, y + 50], [x, y + 50], [x, y]]]], className: 'gland', source: 'model',
    status, modelVersion: 'm1', confidence: 0.9, uncertainty: 0.1, bbox: [x, y, x + 50, y + 50], updatedAt: '2026-01-01T00:00:00Z',
  };
}

function field(id: string, rank: number | null, score: number | null): ReviewField {
  return { id, slideId: SLIDE.id, region: { x: rank ?? 0, y: 0, width: 1000, height: 1000 }, split: 'train', status: 'queued', score, rank };
}

async function openSlide(): Promise<void> {
  await useSlideStore().openPath(SLIDE.path);
  useGlandStore().reset(SLIDE.id);
}

const result = (changed: Gland[], removed: string[] = []): EditResult => ({ changed, removed, canUndo: true, canRedo: false, label: 'x' });
const LIMIT = [0, 0, SLIDE.width, SLIDE.height] as const;

describe('useGlandStore', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('fetches a view with a margin once, then serves pans inside it from the index', async () => {
    const { calls } = fakeEngine({ 'slides:open': () => SLIDE, 'slides:recent': () => [], 'glands:query': () => [gland('a', 100, 100), gland('b', 3000, 3000)] });
    await openSlide();
    const glands = useGlandStore();
    await glands.ensureView([0, 0, 1000, 1000], LIMIT);
    const queries = calls.filter((c) => c.channel === 'glands:query');
    expect(queries).toHaveLength(1);
    expect(queries[0].body.region).toEqual({ x: 0, y: 0, width: 1500, height: 1500 });
    await glands.ensureView([200, 200, 1200, 1200], LIMIT);
    expect(calls.filter((c) => c.channel === 'glands:query')).toHaveLength(1);
    expect(glands.visible([0, 0, 1000, 1000]).map((g) => g.id)).toEqual(['a']);
  });

  it('drops glands the engine no longer returns for a region, and applies edit results', async () => {
    let answer = [gland('a', 100, 100), gland('b', 300, 300)];
    fakeEngine({ 'slides:open': () => SLIDE, 'slides:recent': () => [], 'glands:query': () => answer });
    await openSlide();
    const glands = useGlandStore();
    await glands.ensureView([0, 0, 1000, 1000], LIMIT);
    expect(glands.count).toBe(2);
    answer = [gland('a', 100, 100)];
    await glands.invalidate(null, LIMIT);
    expect(glands.get('b')).toBeUndefined();
    const moved = gland('a', 500, 500, 'edited');
    glands.applyResult(result([moved, gland('c', 10, 10, 'edited')], []));
    expect(glands.get('a')?.bbox).toEqual([500, 500, 550, 550]);
    expect(glands.visible([90, 90, 110, 110])).toEqual([]);
    glands.applyResult(result([], ['c']));
    expect(glands.get('c')).toBeUndefined();
  });

  it('discards a fetch that an edit overtook, and asks again', async () => {
    let release: () => void = () => {};
    let n = 0;
    const { calls } = fakeEngine({
      'slides:open': () => SLIDE,
      'slides:recent': () => [],
      'glands:query': async () => {
        n++;
        if (n === 1) await new Promise<void>((r) => (release = r));
        return n === 1 ? [gland('a', 100, 100)] : [gland('a', 600, 600, 'edited')];
      },
    });
    await openSlide();
    const glands = useGlandStore();
    const pending = glands.ensureView([0, 0, 1000, 1000], LIMIT);
    await new Promise((r) => setTimeout(r, 0));
    glands.applyResult(result([gland('a', 600, 600, 'edited')]));
    release();
    await pending;
    expect(calls.filter((c) => c.channel === 'glands:query')).toHaveLength(2);
    expect(glands.get('a')?.bbox[0]).toBe(600);
  });
});

describe('useReviewStore', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('sorts ranked fields by rank, then unranked by score', () => {
    const sorted = sortFields([field('c', null, 0.9), field('b', 2, 0.5), field('a', 1, 0.4), field('d', null, 0.1)]);
    expect(sorted.map((f) => f.id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('steps through fields in queue order and stops at the ends', async () => {
    fakeEngine({ 'slides:open': () => SLIDE, 'slides:recent': () => [], 'queue:list': () => [field('b', 2, 0.5), field('a', 1, 0.8), field('c', 3, 0.1)] });
    await openSlide();
    const review = useReviewStore();
    await review.load(SLIDE.id);
    review.step(1);
    expect(review.currentId).toBe('a');
    review.step(1);
    review.step(1);
    review.step(1);
    expect(review.currentId).toBe('c');
    review.step(-1);
    expect(review.currentId).toBe('b');
  });

  it('on a conflict asks, then retries with acceptProposed', async () => {
    const { calls } = fakeEngine({
      'slides:open': () => SLIDE,
      'slides:recent': () => [],
      'queue:list': () => [field('a', 1, 0.8)],
      'glands:query': () => [],
      'fields:markDone': (body) => {
        if (!body.acceptProposed) throw { code: 'conflict', message: '3 proposed glands remain in this field' };
        return { ...field('a', 1, 0.8), status: 'done' };
      },
    });
    await openSlide();
    const review = useReviewStore();
    await review.load(SLIDE.id);
    review.step(1);
    expect(await review.markDone()).toBe(false);
    expect(review.markStatus).toBe('confirm');
    expect(review.confirmMessage).toMatch(/3 proposed/);
    expect(await review.confirmAcceptAll()).toBe(true);
    expect(review.current?.status).toBe('done');
    expect(calls.filter((c) => c.channel === 'fields:markDone').map((c) => c.body.acceptProposed)).toEqual([false, true]);
    expect(useNoticeStore().notices.filter((n) => n.kind === 'error')).toEqual([]);
  });
});

describe('useEditingStore', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('applies edits in order, shows the stored result, and selects what was created', async () => {
    const order: string[] = [];
    fakeEngine({
      'slides:open': () => SLIDE,
      'slides:recent': () => [],
      'glands:edit': async (body) => {
        const edit = body.edit as { kind: string };
        order.push(edit.kind);
        if (edit.kind === 'create') {
          await new Promise((r) => setTimeout(r, 20));
          return result([gland('new', 10, 10, 'edited')]);
        }
        return result([gland('new', 10, 10, 'accepted')]);
      },
      'glands:undo': () => ({ ...result([], ['new']), canUndo: false, canRedo: true }),
    });
    await openSlide();
    const editing = useEditingStore();
    const created = editing.apply({ kind: 'create', polygons: gland('x', 10, 10).polygons }, 'Drawing');
    editing.select(['new']);
    const accepted = editing.setStatus('accepted');
    expect(await created).toBe(true);
    expect(await accepted).toBe(true);
    expect(order).toEqual(['create', 'set-status']);
    expect(useGlandStore().get('new')?.status).toBe('accepted');
    expect(editing.selection).toEqual(['new']);
    expect(await editing.undo()).toBe(true);
    expect(useGlandStore().get('new')).toBeUndefined();
    expect(editing.selection).toEqual([]);
    expect(editing.canUndo).toBe(false);
    expect(editing.canRedo).toBe(true);
  });

  it('reports a refused edit and keeps going', async () => {
    fakeEngine({ 'slides:open': () => SLIDE, 'slides:recent': () => [] });
    await openSlide();
    const editing = useEditingStore();
    editing.select(['a']);
    expect(await editing.deleteSelection()).toBe(false);
    expect(editing.status).toBe('failed');
    expect(useNoticeStore().notices.at(-1)?.message).toMatch(/no glands:edit/);
  });
});

describe('predictionRegion', () => {
  it('keeps a small view, clamps a large one about its centre, and stays on the slide', () => {
    expect(predictionRegion({ x: 100, y: 100, width: 800, height: 600 }, SLIDE)).toEqual({ x: 100, y: 100, width: 800, height: 600 });
    expect(predictionRegion({ x: -2000, y: -2000, width: 20000, height: 14000 }, SLIDE)).toEqual({ x: 5904, y: 2952, width: 4096, height: 4096 });
    expect(predictionRegion({ x: 9500, y: 7500, width: 1000, height: 1000 }, SLIDE)).toEqual({ x: 9000, y: 7000, width: 1000, height: 1000 });
  });
});
