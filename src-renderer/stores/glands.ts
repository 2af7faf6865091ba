import { defineStore } from 'pinia';
import { markRaw, ref } from 'vue';
import type { EditResult, Gland, Region } from '../../src-main/api/contract';
import { errorMessage } from '../api';
import { useApi } from '../composables/useApi';
import { contains, GridIndex, intersects, type BBox } from '../lib/spatial-index';
import { useNoticeStore } from './notices';

export type GlandLoadStatus = 'idle' | 'loading' | 'ready' | 'failed';

/** Fetch this much around the view (fraction of its size per side) so small pans need no fetch. */
const FETCH_MARGIN = 0.5;
/** Fetched rectangles remembered as "already loaded"; older ones are forgotten first. */
const MAX_COVERED = 24;
/** Level-0 pixels per grid cell: a few gland widths at 20x. */
const CELL_SIZE = 512;

export const regionToBBox = (r: Region): BBox => [r.x, r.y, r.x + r.width, r.y + r.height];

/**
 * The glands of the current slide that the renderer has loaded, in a grid index so that every
 * frame draws only what is visible. The engine is the truth: a view fetches what it shows
 * (with a margin), every edit's result replaces what it touched, and a fetch that started
 * before an edit is discarded so it cannot bring back the old geometry.
 *
 * The index itself is not reactive (tens of thousands of glands); `version` counts changes so
 * that the overlay knows when to redraw.
 */
export const useGlandStore = defineStore('glands', () => {
  const slideId = ref<string | null>(null);
  const status = ref<GlandLoadStatus>('idle');
  const error = ref<string | null>(null);
  const version = ref(0);
  const count = ref(0);

  const index = markRaw(new GridIndex<Gland>(CELL_SIZE));
  /** Rectangles whose glands are all loaded (level-0 bboxes). */
  let covered: BBox[] = [];
  /** Bumped by every change from an edit: fetches started before it are stale. */
  let generation = 0;
  let lastView: BBox | null = null;
  let inFlight: { bbox: BBox; promise: Promise<void> } | null = null;

  function changed(): void {
    count.value = index.size;
    version.value++;
  }

  function reset(id: string | null): void {
    if (slideId.value === id) return;
    slideId.value = id;
    index.clear();
    covered = [];
    lastView = null;
    inFlight = null;
    generation++;
    status.value = 'idle';
    error.value = null;
    changed();
  }

  /** Glands whose bbox meets the rectangle, from what is loaded. */
  function visible(bbox: BBox): Gland[] {
    return index.search(bbox);
  }

  function get(id: string): Gland | undefined {
    return index.get(id);
  }

  /** Replaces what is loaded in `bbox` by the engine's answer for it. */
  function replaceIn(bbox: BBox, glands: Gland[]): void {
    const fresh = new Set(glands.map((g) => g.id));
    // Anything loaded there that the engine no longer returns was deleted meanwhile.
    for (const old of index.search(bbox)) if (!fresh.has(old.id)) index.delete(old.id);
    for (const g of glands) index.set(g.id, g.bbox, g);
    covered = [...covered.filter((c) => !contains(bbox, c)), bbox].slice(-MAX_COVERED);
    changed();
  }

  async function fetchRegion(bbox: BBox): Promise<void> {
    const id = slideId.value;
    if (!id) return;
    const startedAt = generation;
    status.value = 'loading';
    const region: Region = { x: bbox[0], y: bbox[1], width: bbox[2] - bbox[0], height: bbox[3] - bbox[1] };
    try {
      const glands = await useApi().glands.query({ slideId: id, region });
      if (slideId.value !== id) return;
      if (startedAt !== generation) {
        // An edit landed while this was on its way: its answer may predate the edit. Ask again.
        status.value = 'ready';
        inFlight = null;
        return fetchRegion(bbox);
      }
      replaceIn(bbox, glands);
      status.value = 'ready';
      error.value = null;
    } catch (e) {
      if (slideId.value !== id) return;
      status.value = 'failed';
      const message = errorMessage(e);
      // A view that keeps failing would repeat the same toast on every pan: once is enough.
      if (error.value !== message) useNoticeStore().error(message, 'Loading the glands in view');
      error.value = message;
    }
  }

  /**
   * The view moved: make sure its glands are loaded. `view` is the level-0 rectangle on screen;
   * `limit` the slide's size, so the margin does not reach past it.
   */
  function ensureView(view: BBox, limit: BBox): Promise<void> {
    lastView = view;
    if (covered.some((c) => contains(c, view))) return Promise.resolve();
    if (inFlight && contains(inFlight.bbox, view)) return inFlight.promise;
    const mx = (view[2] - view[0]) * FETCH_MARGIN;
    const my = (view[3] - view[1]) * FETCH_MARGIN;
    const bbox: BBox = [
      Math.max(limit[0], Math.floor(view[0] - mx)),
      Math.max(limit[1], Math.floor(view[1] - my)),
      Math.min(limit[2], Math.ceil(view[2] + mx)),
      Math.min(limit[3], Math.ceil(view[3] + my)),
    ];
    if (bbox[2] <= bbox[0] || bbox[3] <= bbox[1]) return Promise.resolve();
    const promise = fetchRegion(bbox).finally(() => {
      if (inFlight?.promise === promise) inFlight = null;
    });
    inFlight = { bbox, promise };
    return promise;
  }

  /**
   * Something outside the edit history changed glands (a prediction, an import, a field marked
   * done): forget what is loaded there (everywhere when no region) and fetch the view again.
   */
  function invalidate(region: Region | null, limit: BBox): Promise<void> {
    generation++;
    inFlight = null;
    if (region) {
      const b = regionToBBox(region);
      covered = covered.filter((c) => !intersects(c, b));
    } else {
      covered = [];
    }
    return lastView ? ensureView(lastView, limit) : Promise.resolve();
  }

  /** An edit's outcome: what the engine stored is what the screen shows. */
  function applyResult(result: EditResult): void {
    generation++;
    for (const id of result.removed) index.delete(id);
    for (const g of result.changed) {
      if (g.slideId === slideId.value) index.set(g.id, g.bbox, g);
    }
    changed();
  }

  return { slideId, status, error, version, count, reset, visible, get, ensureView, invalidate, applyResult };
});
