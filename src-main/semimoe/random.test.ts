import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed, dropoutMask, normalArray } from './random';

describe('seeded random numbers', () => {
  it('repeats a sequence for a seed and differs between seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = Array.from({ length: 20 }, a);
    expect(Array.from({ length: 20 }, b)).toEqual(sa);
    expect(Array.from({ length: 20 }, c)).not.toEqual(sa);
    for (const v of sa) expect(v >= 0 && v < 1).toBe(true);
  });

  it('is roughly uniform, and normal samples have mean 0 and the given std', () => {
    const rng = createRng(1);
    const u = Array.from({ length: 20000 }, rng);
    expect(u.reduce((s, v) => s + v, 0) / u.length).toBeCloseTo(0.5, 1);
    const n = normalArray(rng, 20000, 2);
    const mean = n.reduce((s, v) => s + v, 0) / n.length;
    const std = Math.sqrt(n.reduce((s, v) => s + (v - mean) ** 2, 0) / n.length);
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(std).toBeCloseTo(2, 1);
  });

  it('derives distinct, stable seeds from labels', () => {
    expect(deriveSeed(1, 'expert.seg')).toBe(deriveSeed(1, 'expert.seg'));
    const seeds = new Set([deriveSeed(1, 'a'), deriveSeed(2, 'a'), deriveSeed(1, 'b'), deriveSeed(1, 'ab', 'c'), deriveSeed(1, 'a', 'bc')]);
    expect(seeds.size).toBe(5);
  });

  it('makes inverted-dropout masks', () => {
    const m = dropoutMask(createRng(3), 10000, 0.1);
    const zeros = m.filter((v) => v === 0).length;
    expect(zeros / m.length).toBeCloseTo(0.1, 1);
    expect(new Set(m)).toEqual(new Set([0, Math.fround(1 / 0.9)]));
  });
});
