import { describe, expect, it } from 'vitest';
import type { PolygonRings } from '../../src-main/api/contract';
import { closeRing } from './geometry';
import { insertVertex, moveVertex, nearestVertex, removeVertex } from './vertices';

const square: PolygonRings[] = [[closeRing([[0, 0], [100, 0], [100, 100], [0, 100]])]];

describe('vertex editing', () => {
  it('finds the nearest vertex within reach, never the closing duplicate', () => {
    expect(nearestVertex(square, [98, 3], 10)).toEqual({ polygon: 0, ring: 0, index: 1 });
    expect(nearestVertex(square, [1, 1], 10)).toEqual({ polygon: 0, ring: 0, index: 0 });
    expect(nearestVertex(square, [50, 50], 10)).toBeNull();
  });

  it('moves a vertex without touching the input; the first vertex keeps the ring closed', () => {
    const moved = moveVertex(square, { polygon: 0, ring: 0, index: 0 }, [-10, -10]);
    expect(moved[0][0][0]).toEqual([-10, -10]);
    expect(moved[0][0][4]).toEqual([-10, -10]);
    expect(square[0][0][0]).toEqual([0, 0]);
    const mid = moveVertex(square, { polygon: 0, ring: 0, index: 2 }, [120, 130]);
    expect(mid[0][0]).toEqual([[0, 0], [100, 0], [120, 130], [0, 100], [0, 0]]);
  });

  it('inserts a vertex on the nearest edge at the foot of the perpendicular', () => {
    const result = insertVertex(square, [50, 4], 10);
    expect(result?.ref).toEqual({ polygon: 0, ring: 0, index: 1 });
    expect(result?.polygons[0][0]).toEqual([[0, 0], [50, 0], [100, 0], [100, 100], [0, 100], [0, 0]]);
    expect(insertVertex(square, [50, 50], 10)).toBeNull();
  });

  it('removes a vertex but never below a triangle', () => {
    const fewer = removeVertex(square, { polygon: 0, ring: 0, index: 0 });
    expect(fewer?.[0][0]).toEqual([[100, 0], [100, 100], [0, 100], [100, 0]]);
    expect(removeVertex(fewer!, { polygon: 0, ring: 0, index: 1 })).toBeNull();
  });
});
