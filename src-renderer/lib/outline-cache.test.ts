import { describe, expect, it } from 'vitest';
import { blitOrigin, clampToLimit, coverage, MAX_CACHE_SIDE, planCache, reusable, sameScale } from './outline-cache';

const SLIDE = [0, 0, 100_000, 80_000] as const;

describe('planCache', () => {
  it('grows the view by the margin on every side, in whole device pixels', () => {
    const plan = planCache([10_000, 10_000, 11_000, 10_800], 1, 1, SLIDE, 0.5);
    expect(plan.bbox).toEqual([9500, 9600, 11_500, 11_200]);
    expect(plan).toMatchObject({ width: 2000, height: 1600 });
  });

  it('stops at the slide and at the largest bitmap, never below the view', () => {
    expect(planCache([0, 0, 1000, 800], 1, 1, SLIDE, 0.5).bbox).toEqual([0, 0, 1500, 1200]);
    const big = planCache([10_000, 10_000, 11_500, 11_000], 1, 2, SLIDE, 0.5);
    expect(big.width).toBeLessThanOrEqual(MAX_CACHE_SIDE);
    expect(big.bbox[0]).toBeLessThanOrEqual(10_000);
    expect(big.bbox[2]).toBeGreaterThanOrEqual(11_500);
    expect(big.bbox[0]).toBeLessThan(10_000);
    const huge = planCache([0, 0, 3000, 2000], 1, 2, SLIDE, 0.5);
    expect(huge.width).toBe(6000);
  });

  it('draws the view alone without a margin (while zooming)', () => {
    expect(planCache([100, 200, 300, 400], 0.5, 1, SLIDE, 0).bbox).toEqual([100, 200, 300, 400]);
  });
});

describe('reusable', () => {
  const key = { scale: 0.25, ratio: 1, content: '7|' };
  const cached = { key, bbox: [0, 0, 8000, 6000] as const };
  it('reuses the bitmap for a view inside it at the same scale and content', () => {
    expect(reusable(cached, { ...key }, [1000, 1000, 5000, 4000])).toBe(true);
    expect(reusable(cached, { ...key, scale: 0.25 * (1 + 1e-12) }, [1000, 1000, 5000, 4000])).toBe(true);
  });
  it('redraws when the view leaves it, or the scale, ratio or content changes', () => {
    expect(reusable(cached, key, [5000, 1000, 9000, 4000])).toBe(false);
    expect(reusable(cached, { ...key, scale: 0.26 }, [1000, 1000, 5000, 4000])).toBe(false);
    expect(reusable(cached, { ...key, ratio: 2 }, [1000, 1000, 5000, 4000])).toBe(false);
    expect(reusable(cached, { ...key, content: '8|' }, [1000, 1000, 5000, 4000])).toBe(false);
    expect(reusable(null, key, [0, 0, 1, 1])).toBe(false);
  });
});

describe('helpers', () => {
  it('places the bitmap on whole device pixels', () => {
    expect(blitOrigin([1000, 2000, 0, 0], { ox: -100.3, oy: 50.6, scale: 0.5 }, 2)).toEqual({ x: 799, y: 2101 });
  });
  it('cuts a view that reaches past the slide to the slide', () => {
    expect(clampToLimit([-500, -500, 2000, 90_000], SLIDE)).toEqual([0, 0, 2000, 80_000]);
  });
  it('compares scales relatively', () => {
    expect(sameScale(1e-3, 1e-3 + 1e-15)).toBe(true);
    expect(sameScale(1, 1.001)).toBe(false);
    expect(sameScale(NaN, 1)).toBe(false);
  });
});

describe('coverage', () => {
  it('is the share of the view the bitmap covers', () => {
    expect(coverage([0, 0, 100, 100], [50, 0, 150, 100])).toBe(0.5);
    expect(coverage([0, 0, 100, 100], [10, 10, 20, 20])).toBe(1);
    expect(coverage([0, 0, 100, 100], [200, 200, 300, 300])).toBe(0);
    expect(coverage([0, 0, 100, 100], [5, 5, 5, 5])).toBe(1);
  });
});
