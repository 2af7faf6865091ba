/**
 * Gland geometry as pure functions: validation, repair, booleans (through polyclip-ts), split,
 * merge, fill holes, area and bounding box. Everything here is level-0 pixels.
 *
 * Orientation convention, the one GeoJSON's right-hand rule gives when read literally in the
 * coordinates as written: an outer ring has a POSITIVE shoelace sum (sum of x_i*y_(i+1) -
 * x_(i+1)*y_i), holes a negative one. That is counter-clockwise with the y axis pointing up;
 * on screen, where image y points down, the same outer ring looks clockwise. QuPath and
 * polyclip-ts both read rings either way, so what matters is that we always write the same one.
 *
 * Every result of an operation goes through `clean`, so callers only ever see valid polygons:
 * closed rings, no repeated or collinear points, no self-crossing, holes inside their outer
 * ring, and nothing smaller than MIN_AREA.
 */
import * as polyclip from 'polyclip-ts';
import type { Point, PolygonRings, Ring } from '../api/contract';

/** A gland's geometry: one or more polygons that neither overlap nor share an edge. */
export type MultiPolygon = PolygonRings[];
export type BBox = [number, number, number, number];

/** Polygons and holes below this area (px^2) are slivers left by booleans: dropped. */
export const MIN_AREA = 1;
/**
 * Polygons and holes thinner than this on average (2 * area / perimeter, px) are slivers too:
 * a long hair-thin strip left along an erased edge can exceed MIN_AREA yet shows as nothing.
 */
export const MIN_MEAN_WIDTH = 0.5;
/**
 * Largest coordinate accepted. Beyond any scanner's slide (the largest are ~200k px wide) and
 * past where float32 (the R*Tree's and WebGL's number type) stops representing whole pixels.
 */
export const MAX_COORD = 16_777_216;

/** Thrown for geometry that cannot be made valid; the store maps it to ApiError('invalid-geometry'). */
export class GeometryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GeometryError';
  }
}

// ---------------------------------------------------------------------------------------------
// Measures

/** Shoelace sum / 2: positive for an outer ring in our convention, negative for a hole. */
export function signedArea(ring: Ring): number {
  let sum = 0;
  for (let i = 0, n = ring.length; i < n; i++) {
    const [x1, y1] = ring[i];
    const [x2, y2] = ring[(i + 1) % n];
    sum += x1 * y2 - x2 * y1;
  }
  return sum / 2;
}

/** Area of a polygon (outer minus holes) or of a multipolygon. */
export function area(geometry: MultiPolygon): number {
  let total = 0;
  for (const polygon of geometry) {
    polygon.forEach((ring, index) => {
      const a = Math.abs(signedArea(ring));
      total += index === 0 ? a : -a;
    });
  }
  return total;
}

export function bbox(geometry: MultiPolygon): BBox {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const polygon of geometry) {
    // Holes lie inside the outer ring: the outer ring alone bounds the polygon.
    for (const [x, y] of polygon[0] ?? []) {
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  }
  return [minX, minY, maxX, maxY];
}

export function bboxesMeet(a: BBox, b: BBox): boolean {
  return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
}

// ---------------------------------------------------------------------------------------------
// Validation (strict: for files and vertex edits, where repairing silently would hide a mistake)

function isPoint(value: unknown): value is Point {
  return Array.isArray(value) && value.length >= 2 && typeof value[0] === 'number' && typeof value[1] === 'number';
}

/**
 * Why a polygon's rings are not a valid polygon, in words for a pathologist, or null when they
 * are. `requireClosed`: GeoJSON demands closed rings; the app's own edits may leave them open.
 */
export function polygonProblem(rings: unknown, requireClosed: boolean): string | null {
  if (!Array.isArray(rings) || rings.length === 0) return 'a polygon needs at least an outer ring';
  for (let r = 0; r < rings.length; r++) {
    const ring: unknown = rings[r];
    const name = r === 0 ? 'the outer ring' : `hole ${r}`;
    if (!Array.isArray(ring)) return `${name} is not a list of points`;
    for (let p = 0; p < ring.length; p++) {
      const point: unknown = ring[p];
      if (!isPoint(point)) return `${name}, point ${p + 1} is not an [x, y] pair of numbers`;
      if (!Number.isFinite(point[0]) || !Number.isFinite(point[1])) return `${name}, point ${p + 1} is not a finite number`;
      if (Math.abs(point[0]) > MAX_COORD || Math.abs(point[1]) > MAX_COORD) {
        return `${name}, point ${p + 1} (${point[0]}, ${point[1]}) lies far outside any slide (coordinates are limited to ±${MAX_COORD} px)`;
      }
    }
    const typed = ring as Ring;
    if (requireClosed) {
      if (typed.length < 4) return `${name} has only ${typed.length} points; a ring needs at least 4 (3 corners and the first point repeated)`;
      const first = typed[0];
      const last = typed[typed.length - 1];
      if (first[0] !== last[0] || first[1] !== last[1]) return `${name} is not closed (its last point must repeat its first)`;
    }
    const distinct = dedupe(openRing(typed));
    if (distinct.length < 3) return `${name} has fewer than 3 distinct corners`;
    if (distinct.every((p) => orient(distinct[0], distinct[1], p) === 0)) return `${name} encloses no area (all its points lie on one line)`;
  }
  const crossing = findSelfIntersection(rings as PolygonRings);
  if (crossing) return crossing;
  for (let r = 0; r < rings.length; r++) {
    // After the crossing check: a figure-of-eight also sums to zero, and that is the better message.
    if (signedArea(dedupe(openRing((rings as PolygonRings)[r]))) === 0) return `${ringName(r)} encloses no area`;
  }
  const outer = dedupe(openRing((rings as PolygonRings)[0]));
  for (let r = 1; r < rings.length; r++) {
    const hole = dedupe(openRing((rings as PolygonRings)[r]));
    if (hole.some((p) => pointInRing(p, outer) < 0)) return `hole ${r} lies (partly) outside the outer ring`;
  }
  return null;
}

/**
 * Where a polygon's outline crosses itself (any two edges of any of its rings crossing or
 * overlapping), in words, or null. Edges that only touch at a shared vertex are allowed: a
 * ring may pinch at a point (the booleans handle it). Sweep over edges sorted by min x, so
 * that thousands of imported glands of hundreds of points stay quick.
 */
export function findSelfIntersection(rings: PolygonRings): string | null {
  interface Edge {
    ring: number;
    index: number;
    count: number;
    a: Point;
    b: Point;
    minX: number;
    maxX: number;
  }
  const edges: Edge[] = [];
  rings.forEach((raw, ringIndex) => {
    const ring = dedupe(openRing(raw));
    for (let i = 0; i < ring.length; i++) {
      const a = ring[i];
      const b = ring[(i + 1) % ring.length];
      edges.push({ ring: ringIndex, index: i, count: ring.length, a, b, minX: Math.min(a[0], b[0]), maxX: Math.max(a[0], b[0]) });
    }
  });
  edges.sort((e, f) => e.minX - f.minX);
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i];
    for (let j = i + 1; j < edges.length && edges[j].minX <= e.maxX; j++) {
      const f = edges[j];
      const adjacent =
        e.ring === f.ring && (Math.abs(e.index - f.index) === 1 || Math.abs(e.index - f.index) === e.count - 1);
      const kind = segmentContact(e.a, e.b, f.a, f.b);
      if (kind === 'cross' || kind === 'overlap') {
        if (adjacent && kind === 'cross') continue; // consecutive edges share their vertex: not a crossing
        const where = e.ring === f.ring ? (e.ring === 0 ? 'the outer ring' : `hole ${e.ring}`) : `${ringName(e.ring)} and ${ringName(f.ring)}`;
        return `the outline crosses itself (${where}, near ${fmt(e.a)})`;
      }
    }
  }
  return null;
}

const ringName = (ring: number) => (ring === 0 ? 'the outer ring' : `hole ${ring}`);
const fmt = (p: Point) => `${Math.round(p[0])}, ${Math.round(p[1])}`;

function orient(a: Point, b: Point, c: Point): number {
  return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
}

function onSegment(a: Point, b: Point, p: Point): boolean {
  return Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1]);
}

/**
 * How two segments meet: 'cross' (interiors cross, or one's interior touches the other's
 * interior), 'overlap' (collinear with a shared stretch), 'touch' (share only an endpoint),
 * or 'none'.
 */
function segmentContact(a: Point, b: Point, c: Point, d: Point): 'cross' | 'overlap' | 'touch' | 'none' {
  const o1 = orient(a, b, c);
  const o2 = orient(a, b, d);
  const o3 = orient(c, d, a);
  const o4 = orient(c, d, b);
  if (o1 === 0 && o2 === 0) {
    // Collinear: a shared stretch longer than a point is an overlap.
    const axis = Math.abs(b[0] - a[0]) >= Math.abs(b[1] - a[1]) ? 0 : 1;
    const lo = Math.max(Math.min(a[axis], b[axis]), Math.min(c[axis], d[axis]));
    const hi = Math.min(Math.max(a[axis], b[axis]), Math.max(c[axis], d[axis]));
    if (hi > lo) return 'overlap';
    return hi === lo ? 'touch' : 'none';
  }
  const sharesEndpoint = same(a, c) || same(a, d) || same(b, c) || same(b, d);
  if (((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0))) return 'cross';
  if (sharesEndpoint) return 'touch';
  // A vertex of one lying on the other's interior: a T-contact, which makes the ring self-touching
  // along an edge; treated like a crossing because the booleans would reinterpret it.
  if ((o1 === 0 && onSegment(a, b, c)) || (o2 === 0 && onSegment(a, b, d)) || (o3 === 0 && onSegment(c, d, a)) || (o4 === 0 && onSegment(c, d, b))) {
    return 'cross';
  }
  return 'none';
}

const same = (p: Point, q: Point) => p[0] === q[0] && p[1] === q[1];

/** 1 inside, 0 on the boundary, -1 outside (even-odd crossing count). */
export function pointInRing(p: Point, ring: Ring): number {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[j];
    const b = ring[i];
    if (orient(a, b, p) === 0 && onSegment(a, b, p)) return 0;
    if (a[1] > p[1] !== b[1] > p[1] && p[0] < ((b[0] - a[0]) * (p[1] - a[1])) / (b[1] - a[1]) + a[0]) inside = !inside;
  }
  return inside ? 1 : -1;
}

// ---------------------------------------------------------------------------------------------
// Normalisation

/** The ring without its closing point. */
function openRing(ring: Ring): Ring {
  if (ring.length > 1 && same(ring[0], ring[ring.length - 1])) return ring.slice(0, -1);
  return ring.slice();
}

/** Drops consecutive repeated points (wrapping around). */
function dedupe(ring: Ring): Ring {
  const out: Ring = [];
  for (const p of ring) if (out.length === 0 || !same(out[out.length - 1], p)) out.push([p[0], p[1]]);
  while (out.length > 1 && same(out[0], out[out.length - 1])) out.pop();
  return out;
}

/** Drops points on the straight line between their neighbours (exactly collinear). */
function dropCollinear(ring: Ring): Ring {
  const out = ring.slice();
  let changed = true;
  while (changed && out.length > 3) {
    changed = false;
    for (let i = 0; i < out.length && out.length > 3; i++) {
      const prev = out[(i - 1 + out.length) % out.length];
      const next = out[(i + 1) % out.length];
      if (orient(prev, out[i], next) === 0) {
        out.splice(i, 1);
        changed = true;
        i--;
      }
    }
  }
  return out;
}

/** Closed ring with the wanted orientation (positive shoelace for outer rings). */
function finishRing(ring: Ring, outer: boolean): Ring {
  const open = dropCollinear(dedupe(openRing(ring)));
  const positive = signedArea(open) > 0;
  if (positive !== outer) open.reverse();
  open.push([open[0][0], open[0][1]]);
  return open;
}

/**
 * Canonical form of a boolean result: outer rings positive, holes negative, closed, without
 * repeated or collinear points, slivers (polygons and holes under MIN_AREA) dropped, largest
 * polygon first so that 'the main part' is stable.
 */
function canonical(geometry: MultiPolygon): MultiPolygon {
  const out: MultiPolygon = [];
  for (const polygon of geometry) {
    if (polygon.length === 0) continue;
    const outer = finishRing(polygon[0], true);
    if (isSliver(outer)) continue;
    const holes = polygon
      .slice(1)
      .map((hole) => finishRing(hole, false))
      .filter((hole) => !isSliver(hole));
    out.push([outer, ...holes]);
  }
  return out.sort((a, b) => area([b]) - area([a]));
}

function perimeter(ring: Ring): number {
  let total = 0;
  for (let i = 1; i < ring.length; i++) total += Math.hypot(ring[i][0] - ring[i - 1][0], ring[i][1] - ring[i - 1][1]);
  return total;
}

/** Too small or too thin to be anything a pathologist drew (closed ring expected). */
function isSliver(ring: Ring): boolean {
  if (ring.length < 4) return true;
  const a = Math.abs(signedArea(ring));
  return a < MIN_AREA || (2 * a) / perimeter(ring) < MIN_MEAN_WIDTH;
}

/** Ring input as polyclip-ts expects it (finite pairs, no extra ordinates). */
function toClip(geometry: MultiPolygon): polyclip.Geom {
  return geometry.map((polygon) => polygon.map((ring) => ring.map((p) => [p[0], p[1]] as [number, number])));
}

/**
 * Repairs any outline into valid polygons: self-crossing and self-touching rings are resolved
 * by the non-zero rule, overlapping parts merged, then made canonical. Used for brush strokes
 * and freehand drawings, where a loop crossing itself is normal and means 'this area'.
 */
export function clean(geometry: MultiPolygon): MultiPolygon {
  for (const polygon of geometry) {
    for (const ring of polygon) {
      for (const p of ring) {
        if (!Number.isFinite(p[0]) || !Number.isFinite(p[1]) || Math.abs(p[0]) > MAX_COORD || Math.abs(p[1]) > MAX_COORD) {
          throw new GeometryError(`A point (${p[0]}, ${p[1]}) lies outside the slide's coordinate range`);
        }
      }
    }
  }
  const usable = geometry.filter((polygon) => polygon.length > 0 && dedupe(openRing(polygon[0])).length >= 3);
  if (usable.length === 0) return [];
  // Fast path: outlines that are already valid and apart only need the canonical touches.
  // The sweep-based check costs a fraction of a boolean (a prediction inserts thousands).
  // A ring that pinches (visits a vertex twice) goes through the boolean, which splits it.
  const simple = (polygon: PolygonRings) => polygonProblem(polygon, false) === null && !hasRepeatedVertex(polygon);
  if (usable.every(simple) && partsApart(usable)) return canonical(usable);
  return canonical(polyclip.union(toClip(usable)));
}

/** Whether any ring of the polygon passes through the same point twice (self-touching). */
export function hasRepeatedVertex(polygon: PolygonRings): boolean {
  const seen = new Set<string>();
  for (const ring of polygon) {
    for (const [x, y] of dedupe(openRing(ring))) {
      const key = `${x},${y}`;
      if (seen.has(key)) return true;
      seen.add(key);
    }
  }
  return false;
}

/** Whether the polygons' bounding boxes are pairwise disjoint (so they cannot overlap). */
function partsApart(geometry: MultiPolygon): boolean {
  if (geometry.length === 1) return true;
  const boxes = geometry.map((polygon) => bbox([polygon]));
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) if (bboxesMeet(boxes[i], boxes[j])) return false;
  return true;
}

/**
 * Strict check then canonical form: refuses (GeometryError) an outline that crosses itself or
 * has a hole outside, instead of guessing what was meant. For vertex edits and imported files.
 */
export function validated(geometry: MultiPolygon, requireClosed: boolean): MultiPolygon {
  if (geometry.length === 0) throw new GeometryError('The gland has no outline');
  geometry.forEach((polygon, index) => {
    const problem = polygonProblem(polygon, requireClosed);
    if (problem) throw new GeometryError(geometry.length > 1 ? `Part ${index + 1}: ${problem}` : capitalise(problem));
  });
  const result = clean(geometry);
  if (result.length === 0) throw new GeometryError(`The outline is smaller than ${MIN_AREA} square pixel`);
  return result;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

// ---------------------------------------------------------------------------------------------
// Operations

/** Union of several geometries (brush add, merge); apart parts stay a MultiPolygon. */
export function union(...geometries: MultiPolygon[]): MultiPolygon {
  const parts = geometries.filter((g) => g.length > 0);
  if (parts.length === 0) return [];
  const [first, ...rest] = parts.map(toClip);
  return canonical(polyclip.union(first, ...rest));
}

/** `subject` minus `cutters` (erase). Empty when nothing is left. */
export function difference(subject: MultiPolygon, ...cutters: MultiPolygon[]): MultiPolygon {
  if (subject.length === 0) return [];
  const cuts = cutters.filter((g) => g.length > 0).map(toClip);
  if (cuts.length === 0) return canonical(polyclip.union(toClip(subject)));
  return canonical(polyclip.difference(toClip(subject), ...cuts));
}

export function intersection(a: MultiPolygon, b: MultiPolygon): MultiPolygon {
  if (a.length === 0 || b.length === 0) return [];
  return canonical(polyclip.intersection(toClip(a), toClip(b)));
}

/** Intersection over union of two geometries (0 when apart). */
export function iou(a: MultiPolygon, b: MultiPolygon): number {
  if (!bboxesMeet(bbox(a), bbox(b))) return 0;
  const inter = area(intersection(a, b));
  if (inter === 0) return 0;
  return inter / (area(a) + area(b) - inter);
}

/** Drops every hole; an island that lay inside a hole is absorbed by the union. */
export function fillHoles(geometry: MultiPolygon): MultiPolygon {
  return union(geometry.map((polygon) => [polygon[0]]));
}

export function holeCount(geometry: MultiPolygon): number {
  return geometry.reduce((n, polygon) => n + polygon.length - 1, 0);
}

/**
 * Cuts a geometry along a polyline into its connected pieces (largest first). The line is
 * extended straight past both ends to a box enclosing everything, and closed around that box
 * into a 'side' polygon; the pieces are the geometry's intersection with that side and its
 * difference from it, so they share the cut exactly. A line that does not cross the geometry
 * (or runs along its edge) leaves one side empty: GeometryError.
 */
export function splitByLine(geometry: MultiPolygon, line: Point[]): MultiPolygon[] {
  const points: Point[] = [];
  for (const p of line) {
    if (!isPoint(p) || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) throw new GeometryError('The cut line has a point that is not a number');
    if (points.length === 0 || !same(points[points.length - 1], p)) points.push([p[0], p[1]]);
  }
  if (points.length < 2) throw new GeometryError('Draw a cut line with at least two distinct points');
  const [gx0, gy0, gx1, gy1] = bbox(geometry);
  let minX = gx0;
  let minY = gy0;
  let maxX = gx1;
  let maxY = gy1;
  for (const [x, y] of points) {
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
  }
  const margin = Math.max(maxX - minX, maxY - minY, 1);
  const box: BBox = [minX - margin, minY - margin, maxX + margin, maxY + margin];
  const start = rayToBox(points[0], points[1], box);
  const end = rayToBox(points[points.length - 1], points[points.length - 2], box);
  const side: Ring = [start, ...points, end, ...boxWalk(end, start, box)];
  const sidePolygon: MultiPolygon = [[[...side, side[0]]]];
  const left = intersection(geometry, sidePolygon);
  const right = difference(geometry, sidePolygon);
  if (left.length === 0 || right.length === 0) {
    throw new GeometryError('The cut line does not cross the gland: draw it from outside, across, to outside');
  }
  return [...left, ...right].map((polygon) => [polygon]).sort((a, b) => area(b) - area(a));
}

/** Where the ray from `from` away from `toward` leaves the box. */
function rayToBox(from: Point, toward: Point, box: BBox): Point {
  const dx = from[0] - toward[0];
  const dy = from[1] - toward[1];
  const length = Math.hypot(dx, dy);
  const ux = dx / length;
  const uy = dy / length;
  let t = Infinity;
  if (ux > 0) t = Math.min(t, (box[2] - from[0]) / ux);
  if (ux < 0) t = Math.min(t, (box[0] - from[0]) / ux);
  if (uy > 0) t = Math.min(t, (box[3] - from[1]) / uy);
  if (uy < 0) t = Math.min(t, (box[1] - from[1]) / uy);
  return [from[0] + ux * t, from[1] + uy * t];
}

/** Position of a boundary point along the box perimeter, 0..4, one unit per side. */
function perimeterPosition(p: Point, box: BBox): number {
  const [x0, y0, x1, y1] = box;
  const eps = 1e-9 * Math.max(1, Math.abs(x1 - x0), Math.abs(y1 - y0));
  if (Math.abs(p[1] - y0) <= eps) return (p[0] - x0) / (x1 - x0); // top edge, left to right
  if (Math.abs(p[0] - x1) <= eps) return 1 + (p[1] - y0) / (y1 - y0); // right edge, downwards
  if (Math.abs(p[1] - y1) <= eps) return 2 + (x1 - p[0]) / (x1 - x0); // bottom edge, right to left
  return 3 + (y1 - p[1]) / (y1 - y0); // left edge, upwards
}

/** The box corners met walking the perimeter forward from `from` to `to`. */
function boxWalk(from: Point, to: Point, box: BBox): Point[] {
  const corners: Point[] = [
    [box[2], box[1]],
    [box[2], box[3]],
    [box[0], box[3]],
    [box[0], box[1]],
  ];
  const a = perimeterPosition(from, box);
  let b = perimeterPosition(to, box);
  if (b <= a) b += 4;
  const out: Point[] = [];
  for (let k = Math.floor(a) + 1; k < b; k++) out.push(corners[(k - 1) % 4]);
  return out;
}
