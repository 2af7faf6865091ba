import { describe, expect, it } from 'vitest';
import { traceInstance, type Instances, type Ring } from '../semimoe/instances';
import { polygonProblem, segmentsConflict } from './polygon-validity';
import { traceValid } from './predict-region';

const square = (x: number, y: number, s: number): Ring => [
  [x, y],
  [x + s, y],
  [x + s, y + s],
  [x, y + s],
  [x, y],
];

/** Random blobs: thresholded smooth noise with speckle, the kind of mask a model gives on hard tissue. */
function blobs(w: number, h: number, seed: number): Instances {
  let s = seed;
  const rand = () => {
    s = (s * 1664525 + 1013904223) % 2 ** 32;
    return s / 2 ** 32;
  };
  const bumps = Array.from({ length: 14 }, () => [rand() * w, rand() * h, 3 + rand() * 10]);
  const labels = new Int32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = 0;
      for (const [cx, cy, r] of bumps) v += Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (r * r));
      labels[y * w + x] = v + 0.5 * (rand() - 0.5) > 0.5 ? 1 : 0;
    }
  }
  return { width: w, height: h, labels, count: 1 };
}

describe('polygon validity', () => {
  it('accepts a square with a hole and a vertex-touching ring; rejects crossings, overlaps and stray holes', () => {
    expect(polygonProblem([square(0, 0, 10), square(3, 3, 2).reverse()])).toBeNull();
    // Two squares meeting at one corner, as one ring: touches itself at (2, 2) only.
    const figure8: Ring = [
      [0, 0],
      [2, 0],
      [2, 2],
      [4, 2],
      [4, 4],
      [2, 4],
      [2, 2],
      [0, 2],
      [0, 0],
    ];
    expect(polygonProblem([figure8])).toBeNull();
    const bowtie: Ring = [
      [0, 0],
      [4, 4],
      [4, 0],
      [0, 4],
      [0, 0],
    ];
    expect(polygonProblem([bowtie])).toMatch(/cross/);
    expect(polygonProblem([square(0, 0, 10), square(20, 20, 2)])).toMatch(/outside/);
    expect(polygonProblem([square(0, 0, 10), square(8, 8, 4)])).toMatch(/cross/);
    expect(polygonProblem([[[0, 0], [1, 0], [0, 0]]])).toMatch(/fewer than 3/);
    // A spike folding back along itself (collinear overlap) is invalid too.
    expect(segmentsConflict([0, 0], [4, 0], [6, 0], [2, 0])).toBe(true);
    expect(segmentsConflict([0, 0], [4, 0], [4, 0], [4, 3])).toBe(false);
  });

  it('traced and simplified outlines of random blobs are always valid', () => {
    let polygons = 0;
    let simplifiedInvalid = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const inst = blobs(90, 70, seed);
      for (const tolerance of [1, 2.5]) {
        for (const poly of traceValid(inst, 1, tolerance)) {
          polygons++;
          expect(polygonProblem(poly)).toBeNull();
        }
        simplifiedInvalid += traceInstance(inst, 1, tolerance).polygons.filter((p) => polygonProblem(p) !== null).length;
      }
    }
    expect(polygons).toBeGreaterThan(24);
    // How often plain Douglas-Peucker broke a polygon here (the fallback's reason to exist).
    console.log(`polygons ${polygons}, invalid before the fallback ${simplifiedInvalid}`);
  });
});
