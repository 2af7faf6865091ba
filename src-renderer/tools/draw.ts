/**
 * Polygon (P: click vertices) and freehand (D: drag) drawing, and the split line (S): turning
 * the points a user put down into a valid ring or polyline.
 */
import type { Point, PolygonRings } from '../../src-main/api/contract';
import { closeRing, distance, orient, pointSegment, signedArea } from './geometry';

/** Removes points within `minDistance` of the previous one (a double-click's two clicks). */
export function dedupe(points: Point[], minDistance: number): Point[] {
  const out: Point[] = [];
  for (const p of points) if (!out.length || distance(out[out.length - 1], p) > minDistance) out.push(p);
  // The last point on top of the first would close the ring twice.
  while (out.length > 1 && distance(out[0], out[out.length - 1]) <= minDistance) out.pop();
  return out;
}

/** Ramer–Douglas–Peucker on an open polyline: a freehand path keeps its shape, not every event. */
export function simplify(points: Point[], tolerance: number): Point[] {
  if (points.length <= 2) return points.slice();
  let index = -1;
  let max = 0;
  const first = points[0];
  const last = points[points.length - 1];
  for (let i = 1; i < points.length - 1; i++) {
    const d = pointSegment(points[i], first, last).distance;
    if (d > max) {
      max = d;
      index = i;
    }
  }
  if (max <= tolerance) return [first, last];
  const left = simplify(points.slice(0, index + 1), tolerance);
  const right = simplify(points.slice(index), tolerance);
  return [...left.slice(0, -1), ...right];
}

/**
 * A drawn outline as a polygon for a `create` edit, or the reason it cannot be one.
 * `minDistance` is a screen pixel or two in level-0 pixels.
 */
export function ringFromDrawing(points: Point[], minDistance: number): { polygon: PolygonRings } | { error: string } {
  const kept = dedupe(points, minDistance);
  if (kept.length < 3) return { error: 'A gland needs at least three distinct points.' };
  const ring = closeRing(kept);
  if (Math.abs(signedArea(ring)) < minDistance * minDistance) return { error: 'The outline encloses no area.' };
  return { polygon: orient([ring]) };
}

/** A freehand path: thinned to the tolerance, then closed like a polygon drawing. */
export function ringFromFreehand(points: Point[], tolerance: number): { polygon: PolygonRings } | { error: string } {
  return ringFromDrawing(simplify(points, tolerance), tolerance);
}

/** A split line: at least two distinct points. */
export function splitLine(points: Point[], minDistance: number): Point[] | null {
  const out: Point[] = [];
  for (const p of points) if (!out.length || distance(out[out.length - 1], p) > minDistance) out.push(p);
  return out.length >= 2 ? out : null;
}
