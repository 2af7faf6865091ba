/**
 * From the fused per-pixel outputs to gland instances and polygons.
 *
 * 1. mask  = fg probability > threshold, minus pixels the boundary head calls "ring between
 *    glands" (the boundary target is a ring just outside each gland, so it marks the gaps).
 * 2. seeds = connected components of mask & (sdf > seedLevel): the SDF is high in gland cores
 *    and falls to 0 at the edge, so touching glands have separate cores.
 *    Mask components with no core get one seed (small glands in a tile with a big one have low
 *    normalised SDF everywhere).
 * 3. grow seeds over the mask in order of decreasing SDF (a watershed on -SDF), then let the
 *    boundary pixels inside the fg mask join their nearest instance.
 * 4. drop instances smaller than minArea; trace each one's outline along pixel edges (outer
 *    ring and holes) and simplify it with Douglas-Peucker.
 */
import { connectedComponents } from './targets';

export interface DenseOutputs {
  width: number;
  height: number;
  /** Fused (gated) gland probability, 0..1. */
  fg: Float32Array;
  /** Fused signed distance, about -1..1 (inside > 0). */
  sdf: Float32Array;
  /** Fused boundary-ring probability, 0..1. */
  boundary: Float32Array;
  /** Per-pixel disagreement of the experts, 0..1. */
  disagreement: Float32Array;
}

export interface InstanceOptions {
  threshold: number;
  /** SDF level above which a pixel is a gland core (seed). */
  seedLevel: number;
  /** Boundary probability above which a pixel separates glands. */
  boundaryLevel: number;
  /** Instances with fewer pixels are dropped. */
  minArea: number;
}

export const DEFAULT_INSTANCE_OPTIONS: InstanceOptions = { threshold: 0.5, seedLevel: 0.15, boundaryLevel: 0.5, minArea: 30 };

export interface Instances {
  width: number;
  height: number;
  /** 0 = background, 1..count = instances. */
  labels: Int32Array;
  count: number;
}

/** Splits the fused mask into gland instances (see the header for the steps). */
export function extractInstances(out: DenseOutputs, options: Partial<InstanceOptions> = {}): Instances {
  const o = { ...DEFAULT_INSTANCE_OPTIONS, ...options };
  const { width: w, height: h } = out;
  const n = w * h;
  const fgMask = new Uint8Array(n);
  const core = new Uint8Array(n);
  const open = new Uint8Array(n); // fg and not a separating boundary pixel
  for (let i = 0; i < n; i++) {
    if (out.fg[i] <= o.threshold) continue;
    fgMask[i] = 1;
    if (out.boundary[i] > o.boundaryLevel) continue;
    open[i] = 1;
    if (out.sdf[i] > o.seedLevel) core[i] = 1;
  }

  const seeds = connectedComponents(core, w, h, 4);
  const labels = new Int32Array(n);
  labels.set(seeds.labels);
  let count = seeds.count;
  // Components of the open mask that contain no core get a seed of their own.
  const parts = connectedComponents(open, w, h, 4);
  const hasSeed = new Uint8Array(parts.count + 1);
  for (let i = 0; i < n; i++) if (labels[i] > 0) hasSeed[parts.labels[i]] = 1;
  const extra = new Int32Array(parts.count + 1);
  for (let i = 0; i < n; i++) {
    const p = parts.labels[i];
    if (p === 0 || hasSeed[p]) continue;
    if (extra[p] === 0) extra[p] = ++count;
    labels[i] = extra[p];
  }

  floodBySdf(labels, open, out.sdf, w);
  growInto(labels, fgMask, w, h);
  return dropSmall(labels, w, h, o.minArea);
}

/** Watershed-like growth: unlabelled open pixels join a neighbour's label, highest SDF first. */
function floodBySdf(labels: Int32Array, open: Uint8Array, sdf: Float32Array, w: number): void {
  const heap = new MaxHeap();
  const queued = new Uint8Array(labels.length);
  const pushNeighbours = (i: number) => {
    const x = i % w;
    for (const j of [x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1, i - w, i + w]) {
      if (j < 0 || j >= labels.length || !open[j] || labels[j] !== 0 || queued[j]) continue;
      queued[j] = 1;
      heap.push(sdf[j], j);
    }
  };
  for (let i = 0; i < labels.length; i++) if (labels[i] > 0) pushNeighbours(i);
  while (heap.size > 0) {
    const i = heap.pop();
    // Take the label of the labelled neighbour with the highest SDF (the core it flows from).
    const x = i % w;
    let best = 0;
    let bestSdf = -Infinity;
    for (const j of [x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1, i - w, i + w]) {
      if (j < 0 || j >= labels.length || labels[j] === 0) continue;
      if (sdf[j] > bestSdf) {
        bestSdf = sdf[j];
        best = labels[j];
      }
    }
    labels[i] = best;
    pushNeighbours(i);
  }
}

/** Breadth-first growth of existing labels into the rest of `allowed` (the boundary pixels). */
function growInto(labels: Int32Array, allowed: Uint8Array, w: number, h: number): void {
  let frontier: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] > 0) frontier.push(i);
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const i of frontier) {
      const x = i % w;
      for (const j of [x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1, i - w, i + w]) {
        if (j < 0 || j >= w * h || !allowed[j] || labels[j] !== 0) continue;
        labels[j] = labels[i];
        next.push(j);
      }
    }
    frontier = next;
  }
}

function dropSmall(labels: Int32Array, w: number, h: number, minArea: number): Instances {
  let max = 0;
  for (const v of labels) if (v > max) max = v;
  const area = new Int32Array(max + 1);
  for (const v of labels) area[v]++;
  const remap = new Int32Array(max + 1);
  let count = 0;
  for (let id = 1; id <= max; id++) if (area[id] >= minArea) remap[id] = ++count;
  for (let i = 0; i < labels.length; i++) labels[i] = remap[labels[i]];
  return { width: w, height: h, labels, count };
}

/** Binary max-heap of (priority, index). */
class MaxHeap {
  private keys: number[] = [];
  private vals: number[] = [];
  get size(): number {
    return this.keys.length;
  }
  push(key: number, val: number): void {
    const k = this.keys;
    const v = this.vals;
    let i = k.length;
    k.push(key);
    v.push(val);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (k[p] >= key) break;
      k[i] = k[p];
      v[i] = v[p];
      i = p;
    }
    k[i] = key;
    v[i] = val;
  }
  pop(): number {
    const k = this.keys;
    const v = this.vals;
    const top = v[0];
    const lastK = k.pop()!;
    const lastV = v.pop()!;
    if (k.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= k.length) break;
        const r = l + 1;
        const c = r < k.length && k[r] > k[l] ? r : l;
        if (k[c] <= lastK) break;
        k[i] = k[c];
        v[i] = v[c];
        i = c;
      }
      k[i] = lastK;
      v[i] = lastV;
    }
    return top;
  }
}

// ---------------------------------------------------------------------------------------------
// Outlines

export type Ring = [number, number][];

/** One instance's outline: outer rings (clockwise on screen, y down) each with its holes. */
export interface InstancePolygon {
  id: number;
  area: number;
  /** polygons[k] = [outer, ...holes]; more than one entry only for diagonal-touching pieces. */
  polygons: Ring[][];
}

/**
 * Traces instance `id` along pixel edges. Vertices are pixel corners, so (x, y) is the top-left
 * corner of pixel (x, y). Edges are oriented with the gland on their right (screen, y down);
 * where two pixels touch only diagonally the trace turns right, keeping them apart, so rings
 * never cross. Closed rings repeat their first vertex at the end, as GeoJSON requires.
 */
export function traceInstance(inst: Instances, id: number, tolerance = 1): InstancePolygon {
  const { width: w, height: h, labels } = inst;
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  let area = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== id) continue;
    const x = i % w;
    const y = (i - x) / w;
    area++;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  if (area === 0) return { id, area, polygons: [] };
  const inside = (x: number, y: number) => x >= 0 && y >= 0 && x < w && y < h && labels[y * w + x] === id;

  // Outgoing edges per vertex; direction 0 east, 1 south, 2 west, 3 north (y down).
  const VW = x1 - x0 + 2;
  const key = (x: number, y: number) => (y - y0) * VW + (x - x0);
  const out = new Map<number, number[]>();
  const add = (x: number, y: number, dir: number) => {
    const k = key(x, y);
    const list = out.get(k);
    if (list) list.push(dir);
    else out.set(k, [dir]);
  };
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      if (!inside(x, y)) continue;
      if (!inside(x, y - 1)) add(x, y, 0); // top edge, heading east
      if (!inside(x + 1, y)) add(x + 1, y, 1); // right edge, heading south
      if (!inside(x, y + 1)) add(x + 1, y + 1, 2); // bottom edge, heading west
      if (!inside(x - 1, y)) add(x, y + 1, 3); // left edge, heading north
    }
  }
  const DX = [1, 0, -1, 0];
  const DY = [0, 1, 0, -1];
  const rings: Ring[] = [];
  for (const [start, dirs] of out) {
    while (dirs.length > 0) {
      let x = (start % VW) + x0;
      let y = Math.floor(start / VW) + y0;
      const first = dirs.pop()!;
      let dir = first;
      const ring: Ring = [[x, y]];
      for (;;) {
        x += DX[dir];
        y += DY[dir];
        const k = key(x, y);
        const options = out.get(k)!;
        // Prefer a right turn, then straight, then left (never back). Back at the start, the
        // first edge counts as an option: choosing it closes the ring.
        let next = -1;
        for (const want of [(dir + 1) % 4, dir, (dir + 3) % 4]) {
          if (k === start && want === first) {
            next = -2;
            break;
          }
          if (options.includes(want)) {
            next = want;
            break;
          }
        }
        if (next === -2) break;
        if (next === -1) throw new Error('outline tracing lost its way');
        options.splice(options.indexOf(next), 1);
        if (next !== dir) ring.push([x, y]); // keep corners only
        dir = next;
      }
      ring.push([ring[0][0], ring[0][1]]);
      rings.push(ring);
    }
  }
  // Outer rings have positive shoelace area (clockwise on screen); holes negative.
  const outers = rings.filter((r) => signedArea(r) > 0).sort((a, b) => signedArea(a) - signedArea(b));
  const holes = rings.filter((r) => signedArea(r) < 0);
  const polygons: Ring[][] = outers.map((r) => [r]);
  for (const hole of holes) {
    // The centre of the gland pixel right of the hole's first edge lies strictly inside its
    // owner; the smallest outer ring containing it is the owner.
    const [ax, ay] = hole[0];
    const dx = Math.sign(hole[1][0] - ax);
    const dy = Math.sign(hole[1][1] - ay);
    const px = ax + 0.5 * dx - 0.5 * dy;
    const py = ay + 0.5 * dy + 0.5 * dx;
    const owner = polygons.find((p) => pointInRing(px, py, p[0])) ?? polygons[0];
    owner.push(hole);
  }
  for (const p of polygons) for (let i = 0; i < p.length; i++) p[i] = simplifyRing(p[i], tolerance);
  return { id, area, polygons };
}

/** Shoelace signed area (y down: clockwise on screen is positive). */
export function signedArea(ring: Ring): number {
  let s = 0;
  for (let i = 0; i + 1 < ring.length; i++) s += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return s / 2;
}

/** Even-odd point in ring (points on an edge may go either way). */
export function pointInRing(x: number, y: number, ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * Douglas-Peucker on a closed ring: split at the vertex farthest from the first one, simplify
 * both chains. Rings that would collapse below a triangle keep their corners.
 */
export function simplifyRing(ring: Ring, tolerance: number): Ring {
  const pts = ring.slice(0, -1);
  if (pts.length <= 4 || tolerance <= 0) return ring;
  let far = 0;
  let farD = -1;
  for (let i = 1; i < pts.length; i++) {
    const d = Math.hypot(pts[i][0] - pts[0][0], pts[i][1] - pts[0][1]);
    if (d > farD) {
      farD = d;
      far = i;
    }
  }
  const a = douglasPeucker(pts.slice(0, far + 1), tolerance);
  const b = douglasPeucker([...pts.slice(far), pts[0]], tolerance);
  const simplified = [...a.slice(0, -1), ...b.slice(0, -1)];
  if (simplified.length < 3) return ring;
  simplified.push([simplified[0][0], simplified[0][1]]);
  return simplified;
}

function douglasPeucker(pts: Ring, tolerance: number): Ring {
  if (pts.length <= 2) return pts;
  const [ax, ay] = pts[0];
  const [bx, by] = pts[pts.length - 1];
  const len = Math.hypot(bx - ax, by - ay);
  let far = 0;
  let farD = -1;
  for (let i = 1; i < pts.length - 1; i++) {
    const [px, py] = pts[i];
    const d = len === 0 ? Math.hypot(px - ax, py - ay) : Math.abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / len;
    if (d > farD) {
      farD = d;
      far = i;
    }
  }
  if (farD <= tolerance) return [pts[0], pts[pts.length - 1]];
  const left = douglasPeucker(pts.slice(0, far + 1), tolerance);
  const right = douglasPeucker(pts.slice(far), tolerance);
  return [...left.slice(0, -1), ...right];
}

// ---------------------------------------------------------------------------------------------
// GeoJSON (QuPath style)

export interface GlandFeatureProperties {
  objectType: 'annotation';
  classification: { name: string; color: [number, number, number] };
  isLocked: false;
  /** Mean fused gland probability over the instance. */
  confidence: number;
  /** Mean expert disagreement over the instance. */
  uncertainty: number;
  /** Area in level-0 pixels. */
  area: number;
  source: 'model';
  measurements: Record<string, number>;
}

export interface GeoJsonFeature {
  type: 'Feature';
  id: string;
  geometry: { type: 'Polygon'; coordinates: Ring[] } | { type: 'MultiPolygon'; coordinates: Ring[][] };
  properties: GlandFeatureProperties;
}

export interface GeoJsonFeatureCollection {
  type: 'FeatureCollection';
  features: GeoJsonFeature[];
}

export const GLAND_COLOR: [number, number, number] = [0, 160, 90];

/**
 * QuPath-style features for every instance. `scale` maps model pixels to level-0 pixels
 * (model mpp / slide mpp; [x, y] when rounding made the two differ) and (offsetX, offsetY) is
 * the level-0 position of model pixel (0, 0).
 * Outer rings are counter-clockwise in the coordinates' own orientation (positive shoelace),
 * holes clockwise, as RFC 7946 asks.
 */
export function instancesToGeoJson(
  inst: Instances,
  out: DenseOutputs,
  opts: { scale?: number | [number, number]; offsetX?: number; offsetY?: number; tolerance?: number; idPrefix?: string } = {},
): GeoJsonFeatureCollection {
  const [sx, sy] = typeof opts.scale === 'number' ? [opts.scale, opts.scale] : (opts.scale ?? [1, 1]);
  const ox = opts.offsetX ?? 0;
  const oy = opts.offsetY ?? 0;
  const sums = new Float64Array((inst.count + 1) * 2);
  for (let i = 0; i < inst.labels.length; i++) {
    const id = inst.labels[i];
    if (id === 0) continue;
    sums[id * 2] += out.fg[i];
    sums[id * 2 + 1] += out.disagreement[i];
  }
  const features: GeoJsonFeature[] = [];
  for (let id = 1; id <= inst.count; id++) {
    const traced = traceInstance(inst, id, opts.tolerance ?? 1);
    if (traced.polygons.length === 0) continue;
    const toLevel0 = (r: Ring): Ring => r.map(([x, y]) => [round3(ox + x * sx), round3(oy + y * sy)]);
    const polys = traced.polygons.map((p) => p.map(toLevel0));
    const confidence = sums[id * 2] / traced.area;
    const uncertainty = sums[id * 2 + 1] / traced.area;
    features.push({
      type: 'Feature',
      id: `${opts.idPrefix ?? 'gland'}-${id}`,
      geometry: polys.length === 1 ? { type: 'Polygon', coordinates: polys[0] } : { type: 'MultiPolygon', coordinates: polys },
      properties: {
        objectType: 'annotation',
        classification: { name: 'Gland', color: GLAND_COLOR },
        isLocked: false,
        confidence: round3(confidence),
        uncertainty: round3(uncertainty),
        area: round3(traced.area * sx * sy),
        source: 'model',
        measurements: { Confidence: round3(confidence), Uncertainty: round3(uncertainty) },
      },
    });
  }
  return { type: 'FeatureCollection', features };
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
