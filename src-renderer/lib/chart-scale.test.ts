import { describe, expect, it } from 'vitest';
import { extentOf, formatTick, padExtent, scale, seriesPaths } from './chart-scale';

describe('extentOf', () => {
  it('ignores non-finite values and answers null when none is left', () => {
    expect(extentOf([3, NaN, -1, Infinity, 2])).toEqual({ min: -1, max: 3 });
    expect(extentOf([NaN])).toBeNull();
    expect(extentOf([])).toBeNull();
  });

  it('floors values at or below zero on a log scale', () => {
    expect(extentOf([0, 0.5], 'log')).toEqual({ min: 1e-6, max: 0.5 });
  });
});

describe('padExtent', () => {
  it('gives a flat series a visible band', () => {
    expect(padExtent({ min: 2, max: 2 }, 'linear')).toEqual({ min: 1.9, max: 2.1 });
    expect(padExtent({ min: 0, max: 0 }, 'linear')).toEqual({ min: -0.5, max: 0.5 });
    const log = padExtent({ min: 0.1, max: 0.1 }, 'log');
    expect(log.min).toBeCloseTo(0.1 / Math.sqrt(10));
    expect(log.max).toBeCloseTo(0.1 * Math.sqrt(10));
  });

  it('widens a range by 5% each side', () => {
    expect(padExtent({ min: 0, max: 10 }, 'linear')).toEqual({ min: -0.5, max: 10.5 });
  });
});

describe('scale', () => {
  it('maps linearly, with the range reversed for SVG y', () => {
    const y = scale({ min: 0, max: 10 }, 100, 0);
    expect(y(0)).toBe(100);
    expect(y(10)).toBe(0);
    expect(y(2.5)).toBe(75);
  });

  it('maps decades to equal distances on a log scale', () => {
    const y = scale({ min: 0.001, max: 1 }, 0, 300, 'log');
    expect(y(0.001)).toBeCloseTo(0);
    expect(y(0.01)).toBeCloseTo(100);
    expect(y(0.1)).toBeCloseTo(200);
    expect(y(1)).toBeCloseTo(300);
  });

  it('puts everything in the middle of the range when the domain is one value', () => {
    expect(scale({ min: 5, max: 5 }, 0, 200)(5)).toBe(100);
  });
});

describe('seriesPaths', () => {
  it('draws every series on shared scales, first step at the left, last at the right', () => {
    const { paths, x, y } = seriesPaths(
      [
        { name: 'mask', points: [{ x: 0, y: 1 }, { x: 10, y: 0.1 }] },
        { name: 'unsup', points: [{ x: 0, y: 0.01 }, { x: 10, y: 0.01 }] },
      ],
      100,
      50,
      'log',
    );
    expect(x).toEqual({ min: 0, max: 10 });
    expect(y!.min).toBeLessThan(0.01);
    expect(y!.max).toBeGreaterThan(1);
    expect(paths.map((p) => p.name)).toEqual(['mask', 'unsup']);
    const coords = (d: string) => [...d.matchAll(/[ML]([\d.-]+),([\d.-]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    const mask = coords(paths[0].d);
    expect(mask[0][0]).toBe(0);
    expect(mask[1][0]).toBe(100);
    // The higher loss is nearer the top (smaller SVG y), and everything is inside the box.
    expect(mask[0][1]).toBeLessThan(mask[1][1]);
    for (const [, py] of [...mask, ...coords(paths[1].d)]) expect(py >= 0 && py <= 50).toBe(true);
  });

  it('breaks the line at a non-finite value instead of drawing to it', () => {
    const { paths } = seriesPaths([{ name: 'a', points: [{ x: 0, y: 1 }, { x: 1, y: NaN }, { x: 2, y: 2 }, { x: 3, y: 3 }] }], 30, 30, 'linear');
    expect(paths[0].d.match(/M/g)).toHaveLength(2);
    expect(paths[0].d.match(/L/g)).toHaveLength(1);
  });

  it('answers empty paths without points', () => {
    expect(seriesPaths([{ name: 'a', points: [] }], 10, 10, 'linear')).toEqual({ paths: [{ name: 'a', d: '' }], x: null, y: null });
  });
});

describe('formatTick', () => {
  it('keeps three significant digits and uses exponents for tiny values', () => {
    expect(formatTick(0)).toBe('0');
    expect(formatTick(0.123456)).toBe('0.123');
    expect(formatTick(12.345)).toBe('12.3');
    expect(formatTick(0.00002)).toBe('2.0e-5');
  });
});
