/**
 * Vertex editing (the M tool): find the vertex under the pointer, drag it, insert one on an
 * edge, delete one. Every function returns new polygons (the input is never mutated), ready to
 * be sent as a `reshape` edit.
 */
import type { Point, PolygonRings } from '../../src-main/api/contract';
import { distance, pointSegment } from './geometry';

/** Where a vertex is: polygon, ring in it, index in the ring (never the closing duplicate). */
export interface VertexRef {
  polygon: number;
  ring: number;
  index: number;
}

/** The vertex nearest to p within `maxDistance`, or null. */
export function nearestVertex(polygons: PolygonRings[], p: Point, maxDistance: number): VertexRef | null {
  let best: VertexRef | null = null;
  let bestDistance = maxDistance;
  polygons.forEach((poly, pi) =>
    poly.forEach((ring, ri) => {
      // The last point repeats the first: skip it so a ring's start is one vertex.
      for (let i = 0; i < ring.length - 1; i++) {
        const d = distance(ring[i], p);
        if (d <= bestDistance) {
          best = { polygon: pi, ring: ri, index: i };
          bestDistance = d;
        }
      }
    }),
  );
  return best;
}

export function vertexAt(polygons: PolygonRings[], ref: VertexRef): Point | null {
  return polygons[ref.polygon]?.[ref.ring]?.[ref.index] ?? null;
}

function cloneWith(polygons: PolygonRings[], ref: VertexRef, ring: Point[]): PolygonRings[] {
  return polygons.map((poly, pi) => (pi !== ref.polygon ? poly : poly.map((r, ri) => (ri === ref.ring ? ring : r))));
}

/** Moves one vertex to p; moving the first also moves the closing point. */
export function moveVertex(polygons: PolygonRings[], ref: VertexRef, p: Point): PolygonRings[] {
  const ring = polygons[ref.polygon][ref.ring].map((q) => [q[0], q[1]] as Point);
  ring[ref.index] = [p[0], p[1]];
  if (ref.index === 0) ring[ring.length - 1] = [p[0], p[1]];
  return cloneWith(polygons, ref, ring);
}

/**
 * Inserts a vertex on the edge nearest to p (within maxDistance), at the foot of the
 * perpendicular, so the outline does not change shape until the new vertex is dragged.
 */
export function insertVertex(polygons: PolygonRings[], p: Point, maxDistance: number): { polygons: PolygonRings[]; ref: VertexRef } | null {
  let best: { ref: VertexRef; at: Point } | null = null;
  let bestDistance = maxDistance;
  polygons.forEach((poly, pi) =>
    poly.forEach((ring, ri) => {
      for (let i = 0; i + 1 < ring.length; i++) {
        const { distance: d, t } = pointSegment(p, ring[i], ring[i + 1]);
        if (d <= bestDistance) {
          const a = ring[i];
          const b = ring[i + 1];
          best = { ref: { polygon: pi, ring: ri, index: i + 1 }, at: [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])] };
          bestDistance = d;
        }
      }
    }),
  );
  if (!best) return null;
  const { ref, at } = best as { ref: VertexRef; at: Point };
  const ring = polygons[ref.polygon][ref.ring].slice();
  ring.splice(ref.index, 0, at);
  return { polygons: cloneWith(polygons, ref, ring), ref };
}

/**
 * Removes a vertex. A ring keeps at least three distinct vertices: removing below that
 * returns null (the caller says why rather than making an invalid polygon).
 */
export function removeVertex(polygons: PolygonRings[], ref: VertexRef): PolygonRings[] | null {
  const ring = polygons[ref.polygon]?.[ref.ring];
  if (!ring || ring.length - 1 <= 3) return null;
  const open = ring.slice(0, -1);
  open.splice(ref.index, 1);
  return cloneWith(polygons, ref, [...open, open[0]]);
}
