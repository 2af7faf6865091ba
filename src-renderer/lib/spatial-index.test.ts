import { describe, expect, it } from 'vitest';
import { contains, GridIndex, intersects, type BBox } from './spatial-index';

function brute(items: Map<string, BBox>, rect: BBox): string[] {
  return [...items].filter(([, b]) => intersects(b, rect)).map(([id]) => id).sort();
}

describe('GridIndex', () => {
  it('finds boxes that meet the rectangle, each once, including ones spanning many cells', () => {
    const index = new GridIndex<string>(100);
    index.set('small', [10, 10, 20, 20], 'small');
    index.set('wide', [0, 0, 950, 30], 'wide');
    index.set('far', [5000, 5000, 5010, 5010], 'far');
    expect(index.search([0, 0, 50, 50]).sort()).toEqual(['small', 'wide']);
    expect(index.search([900, 0, 1000, 10])).toEqual(['wide']);
    expect(index.search([20, 20, 20, 20]).sort()).toEqual(['small', 'wide']);
    expect(index.search([20, 31, 20, 31])).toEqual([]);
    expect(index.search([4000, 4000, 4500, 4500])).toEqual([]);
  });

  it('replaces an entry set twice and forgets deleted ones', () => {
    const index = new GridIndex<number>(64);
    index.set('a', [0, 0, 10, 10], 1);
    index.set('a', [500, 500, 510, 510], 2);
    expect(index.size).toBe(1);
    expect(index.search([0, 0, 100, 100])).toEqual([]);
    expect(index.search([490, 490, 520, 520])).toEqual([2]);
    expect(index.delete('a')).toBe(true);
    expect(index.delete('a')).toBe(false);
    expect(index.search([0, 0, 1000, 1000])).toEqual([]);
  });

  it('handles negative coordinates and agrees with a brute-force scan on random boxes', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const index = new GridIndex<string>(128);
    const items = new Map<string, BBox>();
    for (let i = 0; i < 2000; i++) {
      const x = rand() * 10000 - 1000;
      const y = rand() * 10000 - 1000;
      const b: BBox = [x, y, x + rand() * 300, y + rand() * 300];
      items.set(`g${i}`, b);
      index.set(`g${i}`, b, `g${i}`);
    }
    for (let i = 0; i < 300; i += 3) {
      index.delete(`g${i}`);
      items.delete(`g${i}`);
    }
    for (let q = 0; q < 50; q++) {
      const x = rand() * 10000 - 1000;
      const y = rand() * 10000 - 1000;
      const rect: BBox = [x, y, x + rand() * 2000, y + rand() * 2000];
      expect(index.search(rect).sort()).toEqual(brute(items, rect));
    }
    // A rectangle over everything (the fitted view) takes the scan path and agrees too.
    expect(index.search([-1e6, -1e6, 1e6, 1e6]).length).toBe(items.size);
  });

  it('rejects a non-positive cell size', () => {
    expect(() => new GridIndex(0)).toThrow(/positive/);
  });
});

describe('box predicates', () => {
  it('intersects counts touching; contains needs the whole box inside', () => {
    expect(intersects([0, 0, 10, 10], [10, 10, 20, 20])).toBe(true);
    expect(intersects([0, 0, 10, 10], [11, 0, 20, 10])).toBe(false);
    expect(contains([0, 0, 10, 10], [2, 2, 10, 10])).toBe(true);
    expect(contains([0, 0, 10, 10], [2, 2, 11, 10])).toBe(false);
  });
});
