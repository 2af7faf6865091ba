import { describe, expect, it } from 'vitest';
import type { PolygonRings } from '../../src-main/api/contract';
import { bboxOf, closeRing, glandArea, hitTest, orient, pointInGland, pointInPolygon, signedArea } from './geometry';

const square = (x: number, y: number, s: number) => closeRing([[x, y], [x + s, y], [x + s, y + s], [x, y + s]]);

describe('geometry', () => {
  const withLumen: PolygonRings = [square(0, 0, 100), square(40, 40, 20)];

  it('tests points against polygons with holes', () => {
    expect(pointInPolygon([10, 10], withLumen)).toBe(true);
    expect(pointInPolygon([50, 50], withLumen)).toBe(false); // in the lumen
    expect(pointInPolygon([150, 50], withLumen)).toBe(false);
    expect(pointInGland([250, 250], [withLumen, [square(200, 200, 100)]])).toBe(true);
  });

  it('measures area net of holes and finds the bbox of the outer rings', () => {
    expect(glandArea([withLumen])).toBe(100 * 100 - 20 * 20);
    expect(bboxOf([withLumen, [square(200, 200, 10)]])).toEqual([0, 0, 210, 210]);
  });

  it('hit-tests the smallest gland under the point, and misses through a lumen', () => {
    const big = { id: 'big', polygons: [[square(0, 0, 100)]], bbox: [0, 0, 100, 100] as const };
    const small = { id: 'small', polygons: [[square(10, 10, 20)]], bbox: [10, 10, 30, 30] as const };
    const ring = { id: 'ring', polygons: [withLumen], bbox: [0, 0, 100, 100] as const };
    expect(hitTest([big, small], [15, 15])?.id).toBe('small');
    expect(hitTest([big, small], [80, 80])?.id).toBe('big');
    expect(hitTest([ring], [50, 50])).toBeNull();
    expect(hitTest([big], [101, 50])).toBeNull();
  });

  it('closes rings once and orients outer rings counter-clockwise, holes clockwise', () => {
    expect(closeRing([[0, 0], [1, 0], [1, 1]])).toEqual([[0, 0], [1, 0], [1, 1], [0, 0]]);
    expect(closeRing([[0, 0], [1, 0], [1, 1], [0, 0]])).toHaveLength(4);
    const oriented = orient([[...square(0, 0, 10)].reverse(), square(2, 2, 2)]);
    expect(signedArea(oriented[0])).toBeGreaterThan(0);
    expect(signedArea(oriented[1])).toBeLessThan(0);
  });
});
