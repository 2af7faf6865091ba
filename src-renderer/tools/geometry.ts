/**
 * Geometry the editing tools share, on the contract's shapes: rings are closed (last point
 * equals the first), polygons are [outer, ...holes], a gland is one or more polygons. Level-0
 * pixels throughout. Pure functions: the tools are tested without a viewer.
 */
import type { Point, PolygonRings, Ring } from '../../src-main/api/contract';
import type { BBox } from '../lib/spatial-index';

/** Signed area (shoelace): positive when the ring turns counter-clockwise with y pointing up. */
export function signedArea(ring: Ring): number {
  let sum = 0;
  for (let i = 0; i + 1 < ring.length; i++) sum += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return sum / 2;
}

/** Area of a polygon with holes (outer minus holes). */
export function polygonArea(polygon: PolygonRings): number {
  return polygon.reduce((total, ring, i) => total + (i === 0 ? 1 : -1) * Math.abs(signedArea(ring)), 0);
}

export function glandArea(polygons: PolygonRings[]): number {
  return polygons.reduce((total, p) => total + polygonArea(p), 0);
}

/** Even-odd ray casting; points on the boundary may fall either way (fine for clicking). */
export function pointInRing(p: Point, ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Inside the outer ring and not inside a hole (a click in a lumen misses the gland). */
export function pointInPolygon(p: Point, polygon: PolygonRings): boolean {
  if (!polygon.length || !pointInRing(p, polygon[0])) return false;
  for (let h = 1; h < polygon.length; h++) if (pointInRing(p, polygon[h])) return false;
  return true;
}

export function pointInGland(p: Point, polygons: PolygonRings[]): boolean {
  return polygons.some((poly) => pointInPolygon(p, poly));
}

export function bboxOf(polygons: PolygonRings[]): BBox {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const poly of polygons) {
    for (const [x, y] of poly[0] ?? []) {
      if (x < minX) minX = x;
      if (y < minY) minY = y;
      if (x > maxX) maxX = x;
      if (y > maxY) maxY = y;
    }
  }
  return [minX, minY, maxX, maxY];
}

export interface Hittable {
  id: string;
  polygons: PolygonRings[];
  bbox: readonly [number, number, number, number];
}

/**
 * The gland under a click: of those containing the point, the smallest, so that a gland
 * drawn inside another (or overlapping it) can still be picked.
 */
export function hitTest<T extends Hittable>(candidates: Iterable<T>, p: Point): T | null {
  let best: T | null = null;
  let bestArea = Infinity;
  for (const c of candidates) {
    const [x0, y0, x1, y1] = c.bbox;
    if (p[0] < x0 || p[0] > x1 || p[1] < y0 || p[1] > y1) continue;
    if (!pointInGland(p, c.polygons)) continue;
    const area = glandArea(c.polygons);
    if (area < bestArea) {
      best = c;
      bestArea = area;
    }
  }
  return best;
}

export function distance(a: Point, b: Point): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

/** Distance from p to the segment ab, and where along it (0..1) the nearest point lies. */
export function pointSegment(p: Point, a: Point, b: Point): { distance: number; t: number } {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2));
  return { distance: Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy)), t };
}

/** A ring closed as GeoJSON wants it, from points that may or may not repeat the first. */
export function closeRing(points: Point[]): Ring {
  if (!points.length) return [];
  const first = points[0];
  const last = points[points.length - 1];
  const ring = points.map((p) => [p[0], p[1]] as Point);
  if (first[0] !== last[0] || first[1] !== last[1]) ring.push([first[0], first[1]]);
  return ring;
}

/** Outer ring counter-clockwise and holes clockwise (GeoJSON's right-hand rule). */
export function orient(polygon: PolygonRings): PolygonRings {
  return polygon.map((ring, i) => {
    const ccw = signedArea(ring) > 0;
    const wantCcw = i === 0;
    return ccw === wantCcw ? ring : [...ring].reverse();
  });
}
