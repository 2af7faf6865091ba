import { describe, expect, it } from 'vitest';
import type { Point } from '../../src-main/api/contract';
import { dedupe, ringFromDrawing, ringFromFreehand, simplify, splitLine } from './draw';
import { signedArea } from './geometry';

describe('drawing', () => {
  it('dedupes a double-click and a last point on the first', () => {
    expect(dedupe([[0, 0], [10, 0], [10, 10], [10.2, 10], [0.5, 0.5]], 1)).toEqual([[0, 0], [10, 0], [10, 10]]);
  });

  it('turns clicked points into a closed counter-clockwise ring', () => {
    const result = ringFromDrawing([[0, 0], [0, 10], [10, 10], [10, 0]], 1);
    if ('error' in result) throw new Error(result.error);
    const ring = result.polygon[0];
    expect(ring[0]).toEqual(ring[ring.length - 1]);
    expect(ring).toHaveLength(5);
    expect(signedArea(ring)).toBeGreaterThan(0);
  });

  it('refuses fewer than three points and outlines with no area', () => {
    expect(ringFromDrawing([[0, 0], [10, 0]], 1)).toHaveProperty('error');
    expect(ringFromDrawing([[0, 0], [10, 0], [20, 0]], 1)).toHaveProperty('error');
  });

  it('simplifies a freehand path but keeps its corners', () => {
    const path: Point[] = [];
    for (let i = 0; i <= 100; i++) path.push([i, 0.1 * Math.sin(i)]);
    for (let i = 0; i <= 100; i++) path.push([100, i]);
    expect(simplify(path, 1).length).toBe(3);
    const result = ringFromFreehand([...path, [0, 100]], 1);
    if ('error' in result) throw new Error(result.error);
    expect(result.polygon[0].length).toBe(5);
  });

  it('a split line needs two distinct points', () => {
    expect(splitLine([[0, 0], [0.1, 0]], 1)).toBeNull();
    expect(splitLine([[0, 0], [0.1, 0], [20, 0]], 1)).toEqual([[0, 0], [20, 0]]);
  });
});
