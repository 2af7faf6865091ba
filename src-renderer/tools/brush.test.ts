import { describe, expect, it } from 'vitest';
import type { Point, Ring } from '../../src-main/api/contract';
import { convexHull, strokeOutline, thinStroke } from './brush';
import { pointInPolygon, polygonArea, signedArea } from './geometry';

/** Whether two segments cross (sharing an endpoint does not count). */
function crosses(a: Point, b: Point, c: Point, d: Point): boolean {
  const o = (p: Point, q: Point, r: Point) => Math.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]));
  return o(a, b, c) * o(a, b, d) < 0 && o(c, d, a) * o(c, d, b) < 0;
}
function selfIntersects(ring: Ring): boolean {
  const n = ring.length - 1;
  for (let i = 0; i < n; i++) for (let j = i + 2; j < n; j++) {
    if (i === 0 && j === n - 1) continue;
    if (crosses(ring[i], ring[i + 1], ring[j], ring[j + 1])) return true;
  }
  return false;
}

describe('brush stroke outline', () => {
  it('a click is a disc of the brush radius', () => {
    const outline = strokeOutline([[100, 100]], 10)!;
    expect(outline).toHaveLength(1);
    expect(Math.abs(polygonArea(outline) - Math.PI * 100)).toBeLessThan(Math.PI * 100 * 0.05);
  });

  it('a straight stroke is a capsule: length x width plus a disc', () => {
    const stroke: Point[] = Array.from({ length: 50 }, (_, i) => [i * 2, 0]);
    const outline = strokeOutline(stroke, 5)!;
    const expected = 98 * 10 + Math.PI * 25;
    expect(Math.abs(polygonArea(outline) - expected) / expected).toBeLessThan(0.03);
    expect(pointInPolygon([50, 4], outline)).toBe(true);
    expect(pointInPolygon([50, 6], outline)).toBe(false);
  });

  it('a stroke that loops over itself gives one valid polygon, with the loop as a hole', () => {
    const loop: Point[] = [];
    for (let i = 0; i <= 40; i++) loop.push([100 + 50 * Math.cos((i / 40) * 2.2 * Math.PI), 100 + 50 * Math.sin((i / 40) * 2.2 * Math.PI)]);
    const outline = strokeOutline(loop, 6)!;
    expect(outline.length).toBe(2);
    expect(signedArea(outline[0])).toBeGreaterThan(0);
    expect(signedArea(outline[1])).toBeLessThan(0);
    for (const ring of outline) {
      expect(ring[0]).toEqual(ring[ring.length - 1]);
      expect(selfIntersects(ring)).toBe(false);
    }
    expect(pointInPolygon([100, 100], outline)).toBe(false); // the middle of the loop is not painted
    expect(pointInPolygon([150, 100], outline)).toBe(true);
  });

  it('a zig-zag that doubles back on itself stays one simple polygon', () => {
    const zig: Point[] = [[0, 0], [40, 2], [0, 4], [40, 6], [0, 8]];
    const outline = strokeOutline(zig, 3)!;
    expect(outline.length).toBeGreaterThanOrEqual(1);
    for (const ring of outline) expect(selfIntersects(ring)).toBe(false);
  });

  it('refuses an empty stroke or a zero radius', () => {
    expect(strokeOutline([], 5)).toBeNull();
    expect(strokeOutline([[0, 0]], 0)).toBeNull();
  });
});

describe('brush helpers', () => {
  it('convexHull drops interior and collinear points', () => {
    const hull = convexHull([[0, 0], [2, 0], [1, 0], [2, 2], [0, 2], [1, 1]]);
    expect(hull).toHaveLength(4);
  });
  it('thinStroke keeps the ends and drops dense points', () => {
    const thin = thinStroke([[0, 0], [0.5, 0], [1, 0], [5, 0], [5.2, 0]], 2);
    expect(thin).toEqual([[0, 0], [5, 0], [5.2, 0]]);
  });
});
