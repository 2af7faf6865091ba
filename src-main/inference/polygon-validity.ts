/**
 * Checks that a polygon is valid in the simple-features sense the viewer and the geometry
 * tools rely on: every ring closed with at least 3 distinct corners, no ring crossing itself,
 * no two rings of a polygon crossing, every hole inside its outer ring. Touching at a vertex is
 * allowed (pixel outlines touch where pixels meet diagonally). O(n^2) per polygon: gland
 * outlines have tens to hundreds of vertices.
 */
import type { Ring } from '../semimoe/instances';

type Pt = readonly [number, number];

function orient(p: Pt, q: Pt, r: Pt): number {
  return Math.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]));
}

function onSegment(p: Pt, q: Pt, r: Pt): boolean {
  return Math.min(p[0], q[0]) <= r[0] && r[0] <= Math.max(p[0], q[0]) && Math.min(p[1], q[1]) <= r[1] && r[1] <= Math.max(p[1], q[1]);
}

const same = (a: Pt, b: Pt) => a[0] === b[0] && a[1] === b[1];

/**
 * True when segments ab and cd share a point other than an end point they have in common:
 * a proper crossing, a T (an end point in the other's interior) or a collinear overlap.
 */
export function segmentsConflict(a: Pt, b: Pt, c: Pt, d: Pt): boolean {
  const o1 = orient(a, b, c);
  const o2 = orient(a, b, d);
  const o3 = orient(c, d, a);
  const o4 = orient(c, d, b);
  if (o1 * o2 < 0 && o3 * o4 < 0) return true;
  const shared = same(a, c) || same(a, d) || same(b, c) || same(b, d);
  if (o1 === 0 && o2 === 0 && o3 === 0 && o4 === 0) {
    // Collinear: conflict if they overlap in more than one shared end point.
    const inner = [onSegment(a, b, c) && !same(c, a) && !same(c, b), onSegment(a, b, d) && !same(d, a) && !same(d, b), onSegment(c, d, a) && !same(a, c) && !same(a, d), onSegment(c, d, b) && !same(b, c) && !same(b, d)];
    return inner.some(Boolean) || (same(a, c) && same(b, d)) || (same(a, d) && same(b, c));
  }
  if (shared) return false;
  // An end point lying in the interior of the other segment.
  return (o1 === 0 && onSegment(a, b, c)) || (o2 === 0 && onSegment(a, b, d)) || (o3 === 0 && onSegment(c, d, a)) || (o4 === 0 && onSegment(c, d, b));
}

function ringProblem(ring: Ring): string | null {
  if (ring.length < 4) return 'ring has fewer than 3 corners';
  if (!same(ring[0], ring[ring.length - 1])) return 'ring is not closed';
  const n = ring.length - 1;
  for (let i = 0; i < n; i++) {
    if (same(ring[i], ring[i + 1])) return `repeated vertex at ${i}`;
    for (let j = i + 1; j < n; j++) {
      const adjacent = j === i + 1 || (i === 0 && j === n - 1);
      if (adjacent) continue;
      if (segmentsConflict(ring[i], ring[i + 1], ring[j], ring[j + 1])) return `edges ${i} and ${j} cross`;
    }
  }
  return null;
}

function ringsCross(a: Ring, b: Ring): boolean {
  for (let i = 0; i + 1 < a.length; i++) for (let j = 0; j + 1 < b.length; j++) if (segmentsConflict(a[i], a[i + 1], b[j], b[j + 1])) return true;
  return false;
}

/** Strictly-inside test by ray casting at a point (used on a hole's edge midpoint, nudged in). */
function inside(x: number, y: number, ring: Ring): boolean {
  let result = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) result = !result;
  }
  return result;
}

/** Why a polygon (outer ring, then holes) is invalid, or null when it is valid. */
export function polygonProblem(rings: Ring[]): string | null {
  if (rings.length === 0) return 'no rings';
  for (const [k, ring] of rings.entries()) {
    const p = ringProblem(ring);
    if (p) return `ring ${k}: ${p}`;
  }
  for (let a = 0; a < rings.length; a++) for (let b = a + 1; b < rings.length; b++) if (ringsCross(rings[a], rings[b])) return `rings ${a} and ${b} cross`;
  for (let h = 1; h < rings.length; h++) {
    // Every vertex of a hole that is not on the outer ring must be inside it.
    const outer = rings[0];
    const probe = rings[h].slice(0, -1).find((p) => !outer.some((q) => same(p, q)));
    if (probe && !inside(probe[0], probe[1], outer)) return `hole ${h} lies outside the outer ring`;
  }
  return null;
}
