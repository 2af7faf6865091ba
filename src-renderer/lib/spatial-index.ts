/**
 * A uniform grid of buckets over bounding boxes, for "which glands meet this rectangle?" at
 * every frame. A gland sits in every cell its bbox touches; a query visits the cells the
 * rectangle touches and filters by bbox. Glands are a few dozen to a few hundred pixels across
 * at level 0, so one cell size (a few gland widths) keeps buckets short at any density; a
 * R-tree would buy little here and cost a lot of code.
 */

/** [minX, minY, maxX, maxY], inclusive, level-0 pixels. */
export type BBox = readonly [number, number, number, number];

export class GridIndex<T> {
  private readonly cells = new Map<string, Set<string>>();
  private readonly entries = new Map<string, { bbox: BBox; value: T }>();

  /** `cellSize`: level-0 pixels per cell side. */
  constructor(readonly cellSize = 512) {
    if (!(cellSize > 0)) throw new Error(`GridIndex cell size must be positive, got ${cellSize}`);
  }

  get size(): number {
    return this.entries.size;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  get(id: string): T | undefined {
    return this.entries.get(id)?.value;
  }

  /** Adds or replaces the entry `id`. */
  set(id: string, bbox: BBox, value: T): void {
    if (this.entries.has(id)) this.delete(id);
    this.entries.set(id, { bbox, value });
    this.forCells(bbox, (key) => {
      let bucket = this.cells.get(key);
      if (!bucket) this.cells.set(key, (bucket = new Set()));
      bucket.add(id);
    });
  }

  delete(id: string): boolean {
    const entry = this.entries.get(id);
    if (!entry) return false;
    this.entries.delete(id);
    this.forCells(entry.bbox, (key) => {
      const bucket = this.cells.get(key);
      if (!bucket) return;
      bucket.delete(id);
      if (bucket.size === 0) this.cells.delete(key); // empty buckets would pile up while panning
    });
    return true;
  }

  clear(): void {
    this.cells.clear();
    this.entries.clear();
  }

  /** Values whose bbox meets `rect` (touching counts), each once. */
  search(rect: BBox): T[] {
    const out: T[] = [];
    // Zoomed far out the rectangle covers more cells than there are entries: a plain scan
    // is then cheaper than visiting mostly empty cells.
    const s = this.cellSize;
    const cellCount = (Math.floor(rect[2] / s) - Math.floor(rect[0] / s) + 1) * (Math.floor(rect[3] / s) - Math.floor(rect[1] / s) + 1);
    if (cellCount > this.entries.size) {
      for (const entry of this.entries.values()) if (intersects(entry.bbox, rect)) out.push(entry.value);
      return out;
    }
    const seen = new Set<string>();
    this.forCells(rect, (key) => {
      const bucket = this.cells.get(key);
      if (!bucket) return;
      for (const id of bucket) {
        if (seen.has(id)) continue;
        seen.add(id);
        const entry = this.entries.get(id)!;
        if (intersects(entry.bbox, rect)) out.push(entry.value);
      }
    });
    return out;
  }

  private forCells(bbox: BBox, visit: (key: string) => void): void {
    const s = this.cellSize;
    const x0 = Math.floor(bbox[0] / s);
    const y0 = Math.floor(bbox[1] / s);
    const x1 = Math.floor(bbox[2] / s);
    const y1 = Math.floor(bbox[3] / s);
    for (let cy = y0; cy <= y1; cy++) for (let cx = x0; cx <= x1; cx++) visit(`${cx},${cy}`);
  }
}

export function intersects(a: BBox, b: BBox): boolean {
  return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
}

/** Whether `inner` lies entirely inside `outer`. */
export function contains(outer: BBox, inner: BBox): boolean {
  return inner[0] >= outer[0] && inner[1] >= outer[1] && inner[2] <= outer[2] && inner[3] <= outer[3];
}
