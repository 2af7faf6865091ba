import { describe, expect, it } from 'vitest';
import { ByteLruCache, TileCache } from './tile-cache';

const bytes = (n: number) => Buffer.alloc(n);

describe('ByteLruCache', () => {
  it('evicts least-recently-used entries once total bytes exceed the bound', () => {
    const cache = new ByteLruCache({ maxBytes: 100 });
    cache.set('a', bytes(40));
    cache.set('b', bytes(40));
    expect(cache.get('a')?.length).toBe(40); // a is now more recent than b
    cache.set('c', bytes(40)); // 120 > 100: evict b, the least recent
    expect(cache.has('b')).toBe(false);
    expect(cache.has('a')).toBe(true);
    expect(cache.has('c')).toBe(true);
    expect(cache.stats()).toMatchObject({ entries: 2, bytes: 80, evictions: 1 });
  });

  it('evicts as many entries as one large value needs, and refuses values larger than the cache', () => {
    const cache = new ByteLruCache({ maxBytes: 100 });
    for (const key of ['a', 'b', 'c', 'd']) cache.set(key, bytes(25));
    cache.set('big', bytes(90));
    expect(cache.stats()).toMatchObject({ entries: 1, bytes: 90, evictions: 4 });
    cache.set('huge', bytes(101));
    expect(cache.has('huge')).toBe(false);
    expect(cache.stats().bytes).toBe(90);
  });

  it('counts hits and misses and re-setting a key replaces its size', () => {
    const cache = new ByteLruCache({ maxBytes: 1000 });
    cache.set('k', bytes(10));
    cache.set('k', bytes(30));
    cache.get('k');
    cache.get('k');
    cache.get('missing');
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 1, bytes: 30, entries: 1 });
  });

  it('sizes values with a custom sizeOf', () => {
    const cache = new ByteLruCache<{ pixels: number }>({ maxBytes: 10, sizeOf: (v) => v.pixels });
    cache.set('a', { pixels: 6 });
    cache.set('b', { pixels: 6 });
    expect(cache.has('a')).toBe(false);
    expect(cache.stats().bytes).toBe(6);
  });
});

describe('TileCache', () => {
  it('runs one load for concurrent requests of the same key', async () => {
    const cache = new TileCache({ maxBytes: 1000 });
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 10));
      return bytes(8);
    };
    const results = await Promise.all([cache.getOrLoad('t', load), cache.getOrLoad('t', load), cache.getOrLoad('t', load)]);
    expect(loads).toBe(1);
    expect(results[0]).toBe(results[2]);
    expect(cache.stats().coalesced).toBe(2);
    await cache.getOrLoad('t', load);
    expect(loads).toBe(1);
    expect(cache.stats().hits).toBe(1);
  });

  it('does not cache failures: the next request loads again', async () => {
    const cache = new TileCache({ maxBytes: 1000 });
    let calls = 0;
    const flaky = async () => {
      calls++;
      if (calls === 1) throw new Error('transient');
      return bytes(4);
    };
    await expect(cache.getOrLoad('t', flaky)).rejects.toThrow('transient');
    await expect(cache.getOrLoad('t', flaky)).resolves.toHaveLength(4);
    expect(calls).toBe(2);
  });
});
