import { afterEach, describe, expect, it } from 'vitest';
import type { Gland } from '../api/contract';
import { ApiError } from '../api/errors';
import type { ProjectStore } from '../project/store';
import * as geo from './geometry';
import { AnnotationStore } from './store';
import { TEST_SLIDE as SLIDE, disc, openTestProject, square, tempProjectDir } from './test-support';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

function project(): { dir: string; project: ProjectStore; store: AnnotationStore } {
  const { dir, remove } = tempProjectDir();
  const project = openTestProject(dir);
  cleanups.push(() => {
    if (project.db.open) project.close();
    remove();
  });
  return { dir, project, store: new AnnotationStore(project.db) };
}

function expectApiError(run: () => unknown, code: string, message?: RegExp): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe(code);
    if (message) expect((error as ApiError).message).toMatch(message);
    return;
  }
  throw new Error(`expected ApiError ${code}`);
}

/** Inserts model proposals the way a prediction does. */
function propose(store: AnnotationStore, ...polygons: ReturnType<typeof square>[]): Gland[] {
  store.replaceProposed(SLIDE, { x: 0, y: 0, width: 100_000, height: 100_000 }, 'v1', polygons.map((p) => ({ polygons: [p], confidence: 0.9, uncertainty: 0.1 })));
  return store.all(SLIDE).filter((g) => g.status === 'proposed');
}

describe('AnnotationStore queries', () => {
  it('finds glands by viewport through the R*Tree and leaves deleted ones out', () => {
    const { store } = project();
    const a = store.apply(SLIDE, { kind: 'create', polygons: [square(100, 100, 50)] }).changed[0];
    const b = store.apply(SLIDE, { kind: 'create', polygons: [square(5000, 5000, 50)] }).changed[0];
    expect(store.query(SLIDE, { x: 0, y: 0, width: 1000, height: 1000 }).map((g) => g.id)).toEqual([a.id]);
    // Touching the bbox edge counts as meeting it.
    expect(store.query(SLIDE, { x: 150, y: 150, width: 10, height: 10 }).map((g) => g.id)).toEqual([a.id]);
    expect(store.query(SLIDE, { x: 151, y: 151, width: 10, height: 10 })).toEqual([]);
    store.apply(SLIDE, { kind: 'delete', ids: [b.id] });
    expect(store.query(SLIDE, { x: 0, y: 0, width: 10_000, height: 10_000 }).map((g) => g.id)).toEqual([a.id]);
    expect(store.get(b.id)).toBeNull();
    expect(a.bbox).toEqual([100, 100, 150, 150]);
    expect(a.source).toBe('human');
    expect(a.status).toBe('accepted');
  });

  it('glandsIn tests the outline, not just the bounding box, and filters by status', () => {
    const { store } = project();
    // A diamond whose bbox corner reaches into the region while its outline does not.
    store.apply(SLIDE, { kind: 'create', polygons: [[[[100, 0], [200, 100], [100, 200], [0, 100], [100, 0]]]] });
    expect(store.query(SLIDE, { x: 0, y: 0, width: 20, height: 20 })).toHaveLength(1);
    expect(store.glandsIn(SLIDE, { x: 0, y: 0, width: 20, height: 20 })).toHaveLength(0);
    expect(store.glandsIn(SLIDE, { x: 90, y: 90, width: 20, height: 20 }, ['accepted'])).toHaveLength(1);
    expect(store.glandsIn(SLIDE, { x: 90, y: 90, width: 20, height: 20 }, ['proposed'])).toHaveLength(0);
  });

  it('refuses an unknown slide or gland with not-found', () => {
    const { store } = project();
    expectApiError(() => store.apply('nope', { kind: 'create', polygons: [square(0, 0, 5)] }), 'not-found', /slide/);
    expectApiError(() => store.apply(SLIDE, { kind: 'delete', ids: ['no-such-id'] }), 'not-found', /gland/);
  });
});

describe('AnnotationStore edits', () => {
  it('reshaping or brushing a model gland makes it edited and keeps source model', () => {
    const { store } = project();
    const [a, b] = propose(store, square(0, 0, 10), square(100, 0, 10));
    const reshaped = store.apply(SLIDE, { kind: 'reshape', id: a.id, polygons: [square(0, 0, 12)] }).changed[0];
    expect(reshaped).toMatchObject({ id: a.id, source: 'model', status: 'edited', modelVersion: 'v1', confidence: 0.9 });
    const brushed = store.apply(SLIDE, { kind: 'brush-add', id: b.id, stroke: square(105, 5, 10) }).changed[0];
    expect(brushed.status).toBe('edited');
    expect(geo.area(brushed.polygons)).toBe(175);
    // Accepting an edited gland keeps the 'edited' mark; rejecting changes it.
    expect(store.apply(SLIDE, { kind: 'set-status', ids: [a.id], status: 'accepted' }).changed).toEqual([]);
    expect(store.apply(SLIDE, { kind: 'set-status', ids: [a.id, b.id], status: 'rejected' }).label).toBe('Reject 2 glands');
  });

  it('refuses a reshape whose outline crosses itself, writing nothing', () => {
    const { store } = project();
    const a = store.apply(SLIDE, { kind: 'create', polygons: [square(0, 0, 10)] }).changed[0];
    expectApiError(
      () => store.apply(SLIDE, { kind: 'reshape', id: a.id, polygons: [[[[0, 0], [10, 10], [10, 0], [0, 10], [0, 0]]]] }),
      'invalid-geometry',
      /crosses itself/,
    );
    expect(store.get(a.id)?.polygons).toEqual(a.polygons);
  });

  it('erase with no ids cuts every gland the stroke touches; erasing all of one deletes it', () => {
    const { store } = project();
    const a = store.apply(SLIDE, { kind: 'create', polygons: [square(0, 0, 10)] }).changed[0];
    const b = store.apply(SLIDE, { kind: 'create', polygons: [square(20, 0, 10)] }).changed[0];
    const c = store.apply(SLIDE, { kind: 'create', polygons: [square(200, 0, 10)] }).changed[0];
    const result = store.apply(SLIDE, { kind: 'brush-erase', ids: [], stroke: [[[-5, -5], [25, -5], [25, 15], [-5, 15], [-5, -5]]] });
    expect(result.removed).toEqual([a.id]);
    expect(result.changed.map((g) => g.id)).toEqual([b.id]);
    expect(geo.area(store.get(b.id)!.polygons)).toBe(50);
    expect(store.get(c.id)?.polygons).toEqual(c.polygons);
  });

  it('split keeps the id on the largest piece; merge unions and removes the others', () => {
    const { store } = project();
    const a = store.apply(SLIDE, { kind: 'create', polygons: [square(0, 0, 10)] }).changed[0];
    const split = store.apply(SLIDE, { kind: 'split', id: a.id, line: [[7, -1], [7, 11]] });
    expect(split.changed.map((g) => geo.area(g.polygons))).toEqual([70, 30]);
    expect(split.changed[0].id).toBe(a.id);
    expectApiError(() => store.apply(SLIDE, { kind: 'split', id: a.id, line: [[50, -1], [50, 11]] }), 'invalid-geometry', /does not cross/);
    const far = store.apply(SLIDE, { kind: 'create', polygons: [square(100, 100, 10)] }).changed[0];
    const merged = store.apply(SLIDE, { kind: 'merge', ids: [a.id, split.changed[1].id, far.id] });
    expect(merged.removed).toEqual([split.changed[1].id, far.id]);
    expect(merged.changed[0].polygons).toHaveLength(2); // the square again plus the far one: a MultiPolygon
    expect(geo.area(merged.changed[0].polygons)).toBe(200);
  });

  it('fill holes removes lumens in one step', () => {
    const { store } = project();
    const a = store.apply(SLIDE, { kind: 'create', polygons: [square(0, 0, 30)] }).changed[0];
    store.apply(SLIDE, { kind: 'brush-erase', ids: [a.id], stroke: square(10, 10, 10) });
    expect(geo.holeCount(store.get(a.id)!.polygons)).toBe(1);
    store.apply(SLIDE, { kind: 'fill-holes', id: a.id });
    expect(geo.area(store.get(a.id)!.polygons)).toBe(900);
  });
});

describe('AnnotationStore undo and redo', () => {
  it('undoes and redoes each kind of step exactly, and a new edit clears the redo stack', () => {
    const { store } = project();
    const a = store.apply(SLIDE, { kind: 'create', polygons: [square(0, 0, 10)] }).changed[0];
    const brushed = store.apply(SLIDE, { kind: 'brush-add', id: a.id, stroke: disc(10, 5, 4) }).changed[0];
    const undo = store.undo(SLIDE);
    expect(undo).toMatchObject({ label: 'Brush', canUndo: true, canRedo: true });
    expect(store.get(a.id)?.polygons).toEqual(a.polygons);
    expect(store.redo(SLIDE).changed[0].polygons).toEqual(brushed.polygons);
    store.undo(SLIDE);
    store.undo(SLIDE); // undo the creation: the gland disappears
    expect(store.get(a.id)).toBeNull();
    expect(store.undo(SLIDE)).toMatchObject({ label: 'Nothing to undo', canUndo: false, canRedo: true });
    store.redo(SLIDE);
    expect(store.get(a.id)?.polygons).toEqual(a.polygons);
    // A new step drops the remaining redo ('Brush').
    const r = store.apply(SLIDE, { kind: 'set-status', ids: [a.id], status: 'rejected' });
    expect(r.canRedo).toBe(false);
    expect(store.redo(SLIDE).label).toBe('Nothing to redo');
  });

  it('a brush stroke with no gland selected draws a new one; a dropped redo branch leaves no rows behind', () => {
    const { project: p, store } = project();
    const drawn = store.apply(SLIDE, { kind: 'brush-add', id: null, stroke: disc(50, 50, 10) }).changed[0];
    expect(drawn).toMatchObject({ source: 'human', status: 'accepted' });
    store.undo(SLIDE);
    const count = () => p.db.prepare('SELECT count(*) FROM annotations').pluck().get();
    const indexed = () => p.db.prepare('SELECT count(*) FROM annotations_rtree').pluck().get();
    expect([count(), indexed()]).toEqual([1, 0]); // soft-deleted and out of the index, so redo can restore it
    store.apply(SLIDE, { kind: 'create', polygons: [square(0, 0, 5)] });
    expect(store.get(drawn.id)).toBeNull();
    expect([count(), indexed()]).toEqual([1, 1]); // the undone creation is gone for good
  });

  it('undo history survives closing and reopening the project', () => {
    const { dir, project: first, store } = project();
    const [p] = propose(store, square(0, 0, 10));
    store.apply(SLIDE, { kind: 'set-status', ids: [p.id], status: 'accepted' });
    const drawn = store.apply(SLIDE, { kind: 'create', polygons: [square(50, 50, 10)] }).changed[0];
    store.apply(SLIDE, { kind: 'split', id: drawn.id, line: [[55, 40], [55, 70]] });
    store.undo(SLIDE); // split undone: on the redo stack
    first.close();

    const reopened = openTestProject(dir);
    cleanups.push(() => reopened.db.open && reopened.close());
    const again = new AnnotationStore(reopened.db);
    expect(again.canRedo(SLIDE)).toBe(true);
    const redone = again.redo(SLIDE);
    expect(redone.label).toBe('Split gland');
    expect(redone.changed).toHaveLength(2);
    again.undo(SLIDE);
    again.undo(SLIDE);
    expect(again.get(drawn.id)).toBeNull();
    expect(again.undo(SLIDE).label).toBe('Accept 1 gland');
    expect(again.get(p.id)?.status).toBe('proposed');
    expect(again.canUndo(SLIDE)).toBe(false);
  });

  it('refuses to undo a step whose gland was changed behind its back (conflict)', () => {
    const { project: p, store } = project();
    const a = store.apply(SLIDE, { kind: 'create', polygons: [square(0, 0, 10)] }).changed[0];
    store.apply(SLIDE, { kind: 'reshape', id: a.id, polygons: [square(0, 0, 20)] });
    p.db.prepare("UPDATE annotations SET status = 'rejected' WHERE id = ?").run(a.id);
    expectApiError(() => store.undo(SLIDE), 'conflict', /Reshape gland/);
    expect(store.get(a.id)?.status).toBe('rejected'); // nothing half-undone
  });
});

describe('AnnotationStore.replaceProposed', () => {
  it('replaces earlier proposals in the region, keeps decided glands and drops proposals overlapping them', () => {
    const { store } = project();
    const [p1, p2, p3] = propose(store, square(0, 0, 10), square(100, 0, 10), square(200, 0, 10));
    store.apply(SLIDE, { kind: 'set-status', ids: [p1.id], status: 'accepted' });
    store.apply(SLIDE, { kind: 'set-status', ids: [p2.id], status: 'rejected' });
    const human = store.apply(SLIDE, { kind: 'create', polygons: [square(300, 0, 10)] }).changed[0];
    const outside = store.replaceProposed(SLIDE, { x: 5000, y: 0, width: 100, height: 100 }, 'v1', [
      { polygons: [square(5000, 0, 10)], confidence: 0.5, uncertainty: 0.5 },
    ]);
    expect(outside).toEqual({ inserted: 1, removed: 0 });

    const result = store.replaceProposed(SLIDE, { x: 0, y: 0, width: 1000, height: 100 }, 'v2', [
      { polygons: [square(1, 1, 10)], confidence: 0.8, uncertainty: 0.2 }, // over the accepted gland: dropped
      { polygons: [square(301, 0, 10)], confidence: 0.8, uncertainty: 0.2 }, // over the human gland: dropped
      { polygons: [square(200, 2, 10)], confidence: 0.7, uncertainty: 0.3 }, // replaces p3
      { polygons: [[[[0, 0], [0, 0], [0, 0]]]], confidence: 0.7, uncertainty: 0.3 }, // degenerate: skipped
    ]);
    expect(result).toEqual({ inserted: 1, removed: 1 });
    expect(store.get(p3.id)).toBeNull();
    expect(store.get(p1.id)?.status).toBe('accepted');
    expect(store.get(p2.id)?.status).toBe('rejected');
    expect(store.get(human.id)?.status).toBe('accepted');
    const proposed = store.all(SLIDE).filter((g) => g.status === 'proposed');
    expect(proposed.map((g) => [g.modelVersion, g.bbox])).toEqual([
      ['v1', [5000, 0, 5010, 10]],
      ['v2', [200, 2, 210, 12]],
    ]);
  });
});
