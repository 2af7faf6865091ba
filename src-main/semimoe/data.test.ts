import { describe, expect, it } from 'vitest';
import { augmentTile, colourJitter, cropResize, mirror, permute, type Tile } from './augment';
import { splitNames } from './data';
import { createRng } from './random';

const names = Array.from({ length: 85 }, (_, i) => `train_${i + 1}`);

describe('split', () => {
  it('is deterministic, disjoint and covers every image', () => {
    const opts = { validationFraction: 0.15, labeledFraction: 0.125, seed: 7 };
    const a = splitNames(names, opts);
    const b = splitNames([...names].reverse(), opts);
    expect(a).toEqual(b);
    const all = [...a.validation, ...a.labelled, ...a.unlabelled];
    expect(new Set(all).size).toBe(85);
    expect(a.validation).toHaveLength(13);
    expect(a.labelled).toHaveLength(9); // round(72 / 8)
    expect(a.unlabelled).toHaveLength(63);
    expect(splitNames(names, { ...opts, seed: 8 }).validation).not.toEqual(a.validation);
  });

  it('label fraction: at least one, at most all; images without labels stay unlabelled', () => {
    const few = splitNames(names.slice(0, 5), { validationFraction: 0, labeledFraction: 0.01, seed: 1 });
    expect(few.labelled).toHaveLength(1);
    const all = splitNames(names.slice(0, 5), { validationFraction: 0, labeledFraction: 1, seed: 1 }, new Set(['train_2']));
    expect(all.labelled).toHaveLength(4);
    expect(all.unlabelled).toEqual(['train_2']);
    expect(() => splitNames(names, { validationFraction: 0.1, labeledFraction: 0, seed: 1 })).toThrow(/fraction/);
  });
});

/** A tile whose red channel is 255 exactly where the label is non-zero. */
function taggedTile(n: number): Tile {
  const rng = createRng(3);
  const rgb = new Uint8Array(n * n * 3);
  const labels = new Int32Array(n * n);
  for (let i = 0; i < n * n; i++) {
    const on = (i % n) * 3 + Math.floor(i / n) < 2 * n && rng() < 0.9; // asymmetric shape
    labels[i] = on ? 1 + (i % 3) : 0;
    rgb[i * 3] = on ? 255 : 0;
    rgb[i * 3 + 1] = i % 251; // position code
    rgb[i * 3 + 2] = labels[i] * 40;
  }
  return { size: n, rgb, labels };
}

describe('augment', () => {
  it('flips, transposes and rotations move image and labels together', () => {
    const t = taggedTile(16);
    for (let flip = 0; flip < 4; flip++) {
      for (const tr of [false, true]) {
        for (let k = 0; k < 4; k++) {
          const p = permute(t, flip, tr, k);
          for (let i = 0; i < 256; i++) {
            expect(p.rgb[i * 3] === 255).toBe(p.labels![i] !== 0);
            expect(p.rgb[i * 3 + 2]).toBe(p.labels![i] * 40);
          }
        }
      }
    }
    // Four quarter turns are the identity; a transpose moves (x, y) to (y, x).
    expect(permute(permute(t, 0, false, 2), 0, false, 2).rgb).toEqual(t.rgb);
    expect(permute(t, 0, true, 0).labels![1 * 16 + 5]).toBe(t.labels![5 * 16 + 1]);
  });

  it('random crop + resize keeps labels on the image content', () => {
    const t = taggedTile(32);
    const c = cropResize(t, 3, 2, 28);
    let agree = 0;
    for (let i = 0; i < 32 * 32; i++) if ((c.rgb[i * 3] > 127) === (c.labels![i] !== 0)) agree++;
    expect(agree / (32 * 32)).toBeGreaterThan(0.9);
  });

  it('augmentTile is reproducible from the seed', () => {
    const t = taggedTile(16);
    expect(augmentTile(t, createRng(5))).toEqual(augmentTile(t, createRng(5)));
  });

  it('mirror padding', () => {
    expect([-2, -1, 0, 4, 5, 6].map((i) => mirror(i, 5))).toEqual([2, 1, 0, 4, 3, 2]);
  });
});

describe('colourJitter (the student view of weak-strong pseudo-labelling)', () => {
  const tile: Tile = {
    size: 16,
    rgb: Uint8Array.from({ length: 16 * 16 * 3 }, (_, i) => (i * 37) % 256),
    labels: Int32Array.from({ length: 16 * 16 }, (_, i) => i % 3),
  };

  it('is the identity at strength 0 and keeps geometry and labels at any strength', () => {
    expect(colourJitter(tile, createRng(1), 0).rgb).toEqual(tile.rgb);
    const out = colourJitter(tile, createRng(1), 0.3);
    expect(out.size).toBe(tile.size);
    expect(out.labels).toBe(tile.labels);
    expect(out.rgb).not.toEqual(tile.rgb);
  });

  it('perturbs colours within its strength and is seeded', () => {
    const mean = (rgb: Uint8Array, c: number) => rgb.filter((_, i) => i % 3 === c).reduce((a, b) => a + b, 0) / (rgb.length / 3);
    for (let seed = 1; seed <= 20; seed++) {
      const out = colourJitter(tile, createRng(seed), 0.3);
      // Gain 1 +- 0.15 times brightness 1 +- 0.3: a channel mean moves by at most ~50%.
      for (let c = 0; c < 3; c++) expect(Math.abs(mean(out.rgb, c) / mean(tile.rgb, c) - 1)).toBeLessThan(0.55);
    }
    expect(colourJitter(tile, createRng(5), 0.3).rgb).toEqual(colourJitter(tile, createRng(5), 0.3).rgb);
    expect(colourJitter(tile, createRng(5), 0.3).rgb).not.toEqual(colourJitter(tile, createRng(6), 0.3).rgb);
  });
});
