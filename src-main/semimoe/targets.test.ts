import { describe, expect, it } from 'vitest';
import { createRng } from './random';
import { boundaryTarget, connectedComponents, edt, sdfTarget, squaredDistanceToSources } from './targets';

/** A width x height mask with the rectangle [x0, x1) x [y0, y1) set to `value`. */
function rect(width: number, height: number, x0: number, y0: number, x1: number, y1: number, value = 1, into?: Uint8Array): Uint8Array {
  const m = into ?? new Uint8Array(width * height);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * width + x] = value;
  return m;
}

const at = (a: ArrayLike<number>, width: number, x: number, y: number) => a[y * width + x];

describe('exact Euclidean distance transform', () => {
  it('matches brute force on random masks of several shapes', () => {
    const rng = createRng(7);
    for (const [w, h, density] of [[1, 1, 0.5], [1, 9, 0.3], [13, 1, 0.3], [7, 5, 0.1], [16, 11, 0.5], [20, 20, 0.02], [9, 14, 0.9]]) {
      const src = new Uint8Array(w * h).map(() => (rng() < density ? 1 : 0));
      const fast = squaredDistanceToSources(src, w, h);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          let best = Infinity;
          for (let v = 0; v < h; v++) for (let u = 0; u < w; u++) if (src[v * w + u]) best = Math.min(best, (u - x) ** 2 + (v - y) ** 2);
          expect(fast[y * w + x]).toBe(best);
        }
      }
    }
  });

  it('follows the scipy convention: distance of non-zero pixels to the nearest zero pixel', () => {
    const m = rect(5, 5, 1, 1, 4, 4); // 3x3 square in a 5x5 image
    const d = edt(m, 5, 5);
    expect(at(d, 5, 0, 0)).toBe(0);
    expect(at(d, 5, 1, 1)).toBe(1);
    expect(at(d, 5, 2, 2)).toBe(2);
    expect(Array.from(edt(new Uint8Array(4).fill(1), 2, 2))).toEqual([Infinity, Infinity, Infinity, Infinity]);
  });
});

describe('sdfTarget', () => {
  it('gives the hand-computed values on a square', () => {
    // 4x4 square at x, y in [2, 6) of an 8x8 tile. Inside: the 2x2 centre is 2 px from the
    // background (the maximum), its ring is the inner boundary (0). Outside: distances to the
    // square, maximal (sqrt 8) at the tile corners.
    const w = 8;
    const sdf = sdfTarget(rect(w, w, 2, 2, 6, 6), w, w);
    expect(at(sdf, w, 3, 3)).toBeCloseTo(1, 6);
    expect(at(sdf, w, 4, 4)).toBeCloseTo(1, 6);
    for (const [x, y] of [[2, 2], [5, 2], [2, 4], [5, 5], [3, 5]]) expect(at(sdf, w, x, y)).toBe(0);
    expect(at(sdf, w, 1, 3)).toBeCloseTo(-1 / Math.sqrt(8), 6);
    expect(at(sdf, w, 0, 3)).toBeCloseTo(-2 / Math.sqrt(8), 6);
    expect(at(sdf, w, 1, 1)).toBeCloseTo(-Math.SQRT2 / Math.sqrt(8), 6);
    for (const [x, y] of [[0, 0], [7, 0], [0, 7], [7, 7]]) expect(at(sdf, w, x, y)).toBeCloseTo(-1, 6);
  });

  it('is +1 at the centre of a disk, 0 on its inner edge, negative outside, within [-1, 1]', () => {
    const w = 21;
    const mask = new Uint8Array(w * w);
    for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) mask[y * w + x] = (x - 10) ** 2 + (y - 10) ** 2 <= 36 ? 1 : 0;
    const sdf = sdfTarget(mask, w, w);
    expect(at(sdf, w, 10, 10)).toBeCloseTo(1, 6);
    expect(at(sdf, w, 4, 10)).toBe(0); // leftmost disk pixel
    expect(at(sdf, w, 3, 10)).toBeLessThan(0);
    expect(Math.min(...sdf)).toBeCloseTo(-1, 6);
    for (let i = 0; i < sdf.length; i++) {
      if (mask[i]) expect(sdf[i]).toBeGreaterThanOrEqual(0);
      else expect(sdf[i]).toBeLessThan(0);
    }
    // Symmetric disk, symmetric field.
    expect(at(sdf, w, 7, 12)).toBeCloseTo(at(sdf, w, 13, 8), 6);
  });

  it('handles tiles with no gland (all -1) and all gland (all +1)', () => {
    expect(Array.from(new Set(sdfTarget(new Uint8Array(12), 4, 3)))).toEqual([-1]);
    expect(Array.from(new Set(sdfTarget(new Uint8Array(12).fill(1), 4, 3)))).toEqual([1]);
  });
});

describe('boundaryTarget', () => {
  it('is the ring that a radius-2 disk dilation adds around a square', () => {
    const w = 12;
    const bnd = boundaryTarget(rect(w, w, 4, 4, 8, 8), w, w);
    // Dilation = the 8x8 square [2, 10)^2 minus 3 pixels in each corner (2^2 + 1^2 > 4): 52 px; minus the 16 px square.
    expect(bnd.reduce((a, b) => a + b, 0)).toBe(36);
    expect(at(bnd, w, 2, 4)).toBe(1); // 2 px left of the square
    expect(at(bnd, w, 3, 3)).toBe(1); // diagonal neighbour of the corner
    expect(at(bnd, w, 2, 3)).toBe(0); // (2, 1) from the corner: outside the disk
    expect(at(bnd, w, 1, 5)).toBe(0); // 3 px away
    expect(at(bnd, w, 5, 5)).toBe(0); // inside the gland
  });

  it('puts a ring between touching instances, but not on their union mask', () => {
    const w = 16;
    const ids = rect(w, w, 2, 4, 8, 10, 1);
    rect(w, w, 8, 4, 14, 10, 2, ids); // instance 2 touches instance 1 along x = 7 | 8
    const union = ids.map((v) => (v ? 1 : 0));
    const ringPerInstance = boundaryTarget(ids, w, w);
    const ringUnion = boundaryTarget(union, w, w);
    for (const x of [6, 7, 8, 9]) {
      expect(at(ringPerInstance, w, x, 7)).toBe(1); // within 2 px of the other gland
      expect(at(ringUnion, w, x, 7)).toBe(0);
    }
    expect(at(ringPerInstance, w, 5, 7)).toBe(0); // 3 px from instance 2
    expect(at(ringPerInstance, w, 0, 7)).toBe(1); // the outer ring is there in both
    expect(at(ringUnion, w, 0, 7)).toBe(1);
  });
});

describe('connectedComponents', () => {
  it('labels in raster order, 8- or 4-connected', () => {
    // 1 . . 1
    // . 1 . 1
    // . . . .
    const m = new Uint8Array([1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0]);
    const eight = connectedComponents(m, 4, 3);
    expect(eight.count).toBe(2);
    expect(Array.from(eight.labels)).toEqual([1, 0, 0, 2, 0, 1, 0, 2, 0, 0, 0, 0]);
    const four = connectedComponents(m, 4, 3, 4);
    expect(four.count).toBe(3);
    expect(Array.from(four.labels)).toEqual([1, 0, 0, 2, 0, 3, 0, 2, 0, 0, 0, 0]);
    expect(connectedComponents(new Uint8Array(6), 3, 2).count).toBe(0);
  });
});
