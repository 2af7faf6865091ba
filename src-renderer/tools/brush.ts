/**
 * The brush (B; Alt+B erases): a stroke becomes the outline of every disc the brush touched,
 * i.e. the polyline buffered by the brush radius. Each segment is a capsule (the convex hull of
 * the discs at its ends); the capsules are unioned by the same clipping library the engine uses,
 * so a stroke that crosses itself still gives one valid polygon (with a hole where it loops).
 * The engine then unions the outline into, or subtracts it from, the gland.
 */
import { union, type Geom } from 'polyclip-ts';
import type { Point, PolygonRings } from '../../src-main/api/contract';
import { closeRing, distance, orient, polygonArea } from './geometry';

/** Sides of the polygon that stands for a disc: smooth at any zoom a brush is used at. */
export const DISC_SIDES = 24;

export function disc(center: Point, radius: number, sides = DISC_SIDES): Point[] {
  const points: Point[] = [];
  for (let i = 0; i < sides; i++) {
    const a = (2 * Math.PI * i) / sides;
    points.push([center[0] + radius * Math.cos(a), center[1] + radius * Math.sin(a)]);
  }
  return points;
}

function cross(o: Point, a: Point, b: Point): number {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

/** Andrew's monotone chain: the convex hull, counter-clockwise, not closed. */
export function convexHull(points: Point[]): Point[] {
  const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (sorted.length < 3) return sorted;
  const lower: Point[] = [];
  for (const p of sorted) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Point[] = [];
  for (let i = sorted.length - 1; i >= 0; i--) {
    const p = sorted[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)];
}

/**
 * Drops stroke points closer than `minStep` to the last kept one: pointer events come far
 * denser than the brush needs, and every kept point costs a capsule in the union.
 */
export function thinStroke(points: Point[], minStep: number): Point[] {
  const out: Point[] = [];
  for (const p of points) if (!out.length || distance(out[out.length - 1], p) >= minStep) out.push(p);
  const last = points[points.length - 1];
  if (last && out.length && out[out.length - 1] !== last && distance(out[out.length - 1], last) > 0) out.push(last);
  return out;
}

/**
 * The outline of a brush stroke: one polygon (outer ring and any holes), closed rings, outer
 * counter-clockwise. Null for an empty stroke or a non-positive radius.
 */
export function strokeOutline(points: Point[], radius: number, sides = DISC_SIDES): PolygonRings | null {
  if (!points.length || !(radius > 0)) return null;
  const path = thinStroke(points, radius / 3);
  const pieces: Geom[] = [];
  if (path.length === 1) pieces.push([closeRing(disc(path[0], radius, sides))]);
  for (let i = 0; i + 1 < path.length; i++) {
    pieces.push([closeRing(convexHull([...disc(path[i], radius, sides), ...disc(path[i + 1], radius, sides)]))]);
  }
  const merged = pieces.length === 1 ? [pieces[0] as PolygonRings] : (union(pieces[0], ...pieces.slice(1)) as PolygonRings[]);
  // A connected stroke is one polygon; should rounding split off a sliver, keep the body.
  let best: PolygonRings | null = null;
  for (const poly of merged) if (!best || polygonArea(poly) > polygonArea(best)) best = poly;
  return best ? orient(best.map((ring) => closeRing(ring))) : null;
}
