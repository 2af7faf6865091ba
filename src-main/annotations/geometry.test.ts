import { describe, expect, it } from 'vitest';
import type { Point, PolygonRings } from '../api/contract';
import * as geo from './geometry';
import { GeometryError, type MultiPolygon } from './geometry';

const square = (x: number, y: number, size: number): PolygonRings => [
  [
    [x, y],
    [x + size, y],
    [x + size, y + size],
    [x, y + size],
    [x, y],
  ],
];

/** A round brush dab as the renderer would send it: an n-gon. */
const dab = (cx: number, cy: number, r: number, n = 24): PolygonRings => {
  const ring: Point[] = [];
  for (let i = 0; i < n; i++) ring.push([cx + r * Math.cos((2 * Math.PI * i) / n), cy + r * Math.sin((2 * Math.PI * i) / n)]);
  ring.push(ring[0]);
  return [ring];
};

/** Every property a stored gland geometry must have. */
function expectValid(geometry: MultiPolygon): void {
  expect(geometry.length).toBeGreaterThan(0);
  for (const polygon of geometry) {
    expect(geo.polygonProblem(polygon, true)).toBeNull();
    expect(geo.hasRepeatedVertex(polygon)).toBe(false); // not even touching itself at a point
    expect(geo.signedArea(polygon[0])).toBeGreaterThan(0);
    for (const hole of polygon.slice(1)) expect(geo.signedArea(hole)).toBeLessThan(0);
    for (const ring of polygon) expect(Math.abs(geo.signedArea(ring))).toBeGreaterThanOrEqual(geo.MIN_AREA);
  }
}

describe('measures', () => {
  it('area subtracts holes and bbox spans all parts', () => {
    const donut: MultiPolygon = geo.difference([square(0, 0, 10)], [square(2, 2, 4)]);
    expect(geo.area(donut)).toBe(100 - 16);
    expect(geo.bbox([square(0, 0, 10), square(20, 5, 3)])).toEqual([0, 0, 23, 10]);
  });
});

describe('validation', () => {
  it('accepts an open ring from the app and closes and orients it', () => {
    const clockwiseOnScreen: PolygonRings = [[[0, 0], [0, 10], [10, 10], [10, 0]]]; // negative shoelace, unclosed
    const result = geo.validated([clockwiseOnScreen], false);
    expectValid(result);
    expect(geo.area(result)).toBe(100);
  });

  it('names what is wrong with a bad polygon', () => {
    expect(geo.polygonProblem([[[0, 0], [10, 10], [10, 0], [0, 10], [0, 0]]], true)).toMatch(/crosses itself/);
    expect(geo.polygonProblem([[[0, 0], [10, 0], [0, 0]]], true)).toMatch(/only 3 points/);
    expect(geo.polygonProblem([[[0, 0], [10, 0], [10, 10], [0, 10]]], true)).toMatch(/not closed/);
    expect(geo.polygonProblem([[[0, 0], [10, 0], [20, 0], [0, 0]]], true)).toMatch(/no area/);
    expect(geo.polygonProblem([[[0, 0], [NaN, 0], [10, 10], [0, 0]]], true)).toMatch(/finite/);
    expect(geo.polygonProblem([[[0, 0], [1e12, 0], [10, 10], [0, 0]]], true)).toMatch(/far outside/);
    const holeOutside: PolygonRings = [square(0, 0, 10)[0], square(20, 20, 2)[0]];
    expect(geo.polygonProblem(holeOutside, true)).toMatch(/outside the outer ring/);
    // A spike folding back on itself is an overlap of adjacent edges.
    expect(geo.polygonProblem([[[0, 0], [10, 0], [10, 10], [10, 5], [10, 15], [0, 10], [0, 0]]], true)).toMatch(/crosses itself/);
  });

  it('refuses a self-crossing outline in strict mode rather than guessing', () => {
    expect(() => geo.validated([[[[0, 0], [10, 10], [10, 0], [0, 10], [0, 0]]]], true)).toThrow(GeometryError);
  });
});

describe('brush union and erase', () => {
  it('a stroke that touches itself (a loop closing on a point) becomes one valid polygon', () => {
    // A freehand stroke outline that pinches: two lobes meeting at one vertex (5,5).
    const pinched: PolygonRings = [[[0, 0], [5, 5], [10, 0], [10, 10], [5, 5], [0, 10], [0, 0]]];
    const result = geo.clean([pinched]);
    expectValid(result);
    expect(result).toHaveLength(2); // the two lobes, as separate polygons meeting at (5,5)
    expect(geo.area(result)).toBeCloseTo(50, 6);
  });

  it('a self-crossing stroke outline is read by the non-zero rule', () => {
    const bowtie: PolygonRings = [[[0, 0], [10, 10], [10, 0], [0, 10], [0, 0]]];
    const result = geo.clean([bowtie]);
    expectValid(result);
    expect(result).toHaveLength(2); // two triangles touching at the crossing
    expect(geo.area(result)).toBeCloseTo(50, 6);
  });

  it('a ring of dabs around an empty centre makes a hole', () => {
    let stroke: MultiPolygon = [];
    for (let i = 0; i < 16; i++) {
      const a = (2 * Math.PI * i) / 16;
      stroke = geo.union(stroke, [dab(100 + 40 * Math.cos(a), 100 + 40 * Math.sin(a), 14)]);
    }
    expectValid(stroke);
    expect(stroke).toHaveLength(1);
    expect(stroke[0].length).toBe(2); // outer ring and the lumen
    expect(geo.holeCount(geo.fillHoles(stroke))).toBe(0);
    expect(geo.area(geo.fillHoles(stroke))).toBeGreaterThan(geo.area(stroke));
  });

  it('adding a dab that overlaps extends the gland; one apart gives a MultiPolygon', () => {
    const gland: MultiPolygon = [square(0, 0, 10)];
    expect(geo.area(geo.union(gland, [square(5, 5, 10)]))).toBe(175);
    const apart = geo.union(gland, [square(50, 50, 10)]);
    expect(apart).toHaveLength(2);
    expectValid(apart);
  });

  it('erasing drops slivers below the minimum area instead of keeping invisible shards', () => {
    // Erase all but a 0.2 px strip along the right edge.
    const rest = geo.difference([square(0, 0, 10)], [[[[-1, -1], [9.8, -1], [9.8, 11], [-1, 11], [-1, -1]]]]);
    expect(rest).toEqual([]);
    // A pin-prick hole under a pixel is dropped too.
    const pricked = geo.difference([square(0, 0, 10)], [square(4, 4, 0.5)]);
    expect(geo.holeCount(pricked)).toBe(0);
  });

  it('erasing across the middle leaves two valid parts', () => {
    const rest = geo.difference([square(0, 0, 10)], [[[[4, -5], [6, -5], [6, 15], [4, 15], [4, -5]]]]);
    expect(rest).toHaveLength(2);
    expectValid(rest);
    expect(geo.area(rest)).toBe(80);
  });

  it('removes duplicate and collinear points', () => {
    const noisy: PolygonRings = [[[0, 0], [5, 0], [5, 0], [10, 0], [10, 5], [10, 10], [0, 10], [0, 0]]];
    const [polygon] = geo.clean([noisy]);
    expect(polygon[0]).toHaveLength(5); // 4 corners + closing point
  });
});

describe('split', () => {
  it('cuts a square in two along a straight line, sharing the cut exactly', () => {
    const pieces = geo.splitByLine([square(0, 0, 10)], [[3, -2], [3, 12]]);
    expect(pieces.map((p) => geo.area(p))).toEqual([70, 30]);
    pieces.forEach(expectValid);
  });

  it('a bent line across a U shape gives three pieces', () => {
    const u: PolygonRings = [[[0, 0], [30, 0], [30, 30], [20, 30], [20, 10], [10, 10], [10, 30], [0, 30], [0, 0]]];
    const pieces = geo.splitByLine([u], [[-5, 20], [15, 22], [35, 20]]);
    expect(pieces).toHaveLength(3);
    pieces.forEach(expectValid);
    expect(pieces.reduce((sum, p) => sum + geo.area(p), 0)).toBeCloseTo(geo.area([u]), 6);
  });

  it('refuses a line that misses the gland or runs along its edge', () => {
    expect(() => geo.splitByLine([square(0, 0, 10)], [[20, -5], [20, 15]])).toThrow(/does not cross/);
    expect(() => geo.splitByLine([square(0, 0, 10)], [[0, -5], [0, 15]])).toThrow(/does not cross/);
    expect(() => geo.splitByLine([square(0, 0, 10)], [[10, 0], [10, 10]])).toThrow(/does not cross/);
    expect(() => geo.splitByLine([square(0, 0, 10)], [[5, 5]])).toThrow(/two distinct points/);
  });

  it('a line ending inside the gland is extended straight through it', () => {
    const pieces = geo.splitByLine([square(0, 0, 10)], [[5, 4], [5, 6]]);
    expect(pieces.map((p) => geo.area(p))).toEqual([50, 50]);
  });
});

describe('merge and fill holes', () => {
  it('merging touching glands gives one polygon, disjoint ones a MultiPolygon', () => {
    expect(geo.union([square(0, 0, 10)], [square(10, 0, 10)])).toHaveLength(1);
    const apart = geo.union([square(0, 0, 10)], [square(30, 0, 10)], [square(60, 0, 10)]);
    expect(apart).toHaveLength(3);
    expect(geo.area(apart)).toBe(300);
  });

  it('filling holes absorbs an island inside a lumen', () => {
    const ring = geo.difference([square(0, 0, 30)], [square(5, 5, 20)]);
    const withIsland = geo.union(ring, [square(12, 12, 6)]);
    expect(withIsland).toHaveLength(2);
    const filled = geo.fillHoles(withIsland);
    expect(filled).toHaveLength(1);
    expect(geo.area(filled)).toBe(900);
  });

  it('iou of overlapping squares', () => {
    expect(geo.iou([square(0, 0, 10)], [square(5, 0, 10)])).toBeCloseTo(50 / 150, 9);
    expect(geo.iou([square(0, 0, 10)], [square(50, 0, 10)])).toBe(0);
  });
});
