/**
 * Random tiles and the reference augmentations, on plain arrays (no tensors):
 * random crop (p 0.5, 7/8 of the side, as 224 of 256) then resize back, flip (p 0.75:
 * horizontal, vertical or both), transpose (p 0.5), rot90 (k uniform in 0..3).
 * Image and labels always go through the same geometry; labels are resampled by nearest
 * neighbour so instance ids survive. Randomness comes from the caller's seeded Rng.
 */

import { randomNormal, type Rng } from './random';

/** A square tile: RGB bytes (HWC) and optional instance labels (0 = background). */
export interface Tile {
  size: number;
  rgb: Uint8Array;
  labels: Int32Array | null;
}

export interface SourceImage {
  width: number;
  height: number;
  rgb: Uint8Array;
  labels: Int32Array | null;
}

export interface AugmentOptions {
  cropProbability: number;
  /** Side of the random crop relative to the tile (reference 224 / 256). */
  cropFraction: number;
  flipProbability: number;
  transposeProbability: number;
  rot90: boolean;
}

export const REFERENCE_AUGMENT: AugmentOptions = {
  cropProbability: 0.5,
  cropFraction: 224 / 256,
  flipProbability: 0.75,
  transposeProbability: 0.5,
  rot90: true,
};

/**
 * A size x size window at a random position. Where the image is smaller than the window
 * the missing part is mirrored, which keeps tissue statistics instead of inventing a border.
 */
export function randomTile(img: SourceImage, size: number, rng: Rng): Tile {
  const x0 = Math.floor(rng() * Math.max(1, img.width - size + 1));
  const y0 = Math.floor(rng() * Math.max(1, img.height - size + 1));
  return cropTile(img, x0, y0, size);
}

/** The size x size window at (x0, y0), mirrored at the image edges. */
export function cropTile(img: SourceImage, x0: number, y0: number, size: number): Tile {
  const rgb = new Uint8Array(size * size * 3);
  const labels = img.labels ? new Int32Array(size * size) : null;
  for (let y = 0; y < size; y++) {
    const sy = mirror(y0 + y, img.height);
    for (let x = 0; x < size; x++) {
      const sx = mirror(x0 + x, img.width);
      const s = sy * img.width + sx;
      const d = y * size + x;
      rgb[d * 3] = img.rgb[s * 3];
      rgb[d * 3 + 1] = img.rgb[s * 3 + 1];
      rgb[d * 3 + 2] = img.rgb[s * 3 + 2];
      if (labels) labels[d] = img.labels![s];
    }
  }
  return { size, rgb, labels };
}

/** Reflects an index into [0, n) (…2 1 0 1 2… at the start, likewise at the end). */
export function mirror(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let m = ((i % period) + period) % period;
  if (m >= n) m = period - m;
  return m;
}

/** Applies the reference augmentations in the reference order. */
export function augmentTile(tile: Tile, rng: Rng, opts: AugmentOptions = REFERENCE_AUGMENT): Tile {
  let t = tile;
  if (rng() < opts.cropProbability) {
    const side = Math.max(1, Math.round(tile.size * opts.cropFraction));
    const x0 = Math.floor(rng() * (tile.size - side + 1));
    const y0 = Math.floor(rng() * (tile.size - side + 1));
    t = cropResize(t, x0, y0, side);
  }
  // Flip mode: 0 none, 1 horizontal, 2 vertical, 3 both (as albumentations' Flip).
  const flip = rng() < opts.flipProbability ? 1 + Math.floor(rng() * 3) : 0;
  const transpose = rng() < opts.transposeProbability;
  const k = opts.rot90 ? Math.floor(rng() * 4) : 0;
  return permute(t, flip, transpose, k);
}

/** Crops a side x side window and resizes it back to tile.size (bilinear RGB, nearest labels). */
export function cropResize(tile: Tile, x0: number, y0: number, side: number): Tile {
  const n = tile.size;
  const rgb = new Uint8Array(n * n * 3);
  const labels = tile.labels ? new Int32Array(n * n) : null;
  const scale = side / n;
  for (let y = 0; y < n; y++) {
    // Pixel-centre alignment, as image resizers do.
    const fy = Math.min(Math.max((y + 0.5) * scale - 0.5, 0), side - 1);
    const yA = Math.floor(fy);
    const yB = Math.min(yA + 1, side - 1);
    const wy = fy - yA;
    for (let x = 0; x < n; x++) {
      const fx = Math.min(Math.max((x + 0.5) * scale - 0.5, 0), side - 1);
      const xA = Math.floor(fx);
      const xB = Math.min(xA + 1, side - 1);
      const wx = fx - xA;
      const d = y * n + x;
      const i00 = (y0 + yA) * n + x0 + xA;
      const i01 = (y0 + yA) * n + x0 + xB;
      const i10 = (y0 + yB) * n + x0 + xA;
      const i11 = (y0 + yB) * n + x0 + xB;
      for (let c = 0; c < 3; c++) {
        const top = tile.rgb[i00 * 3 + c] * (1 - wx) + tile.rgb[i01 * 3 + c] * wx;
        const bottom = tile.rgb[i10 * 3 + c] * (1 - wx) + tile.rgb[i11 * 3 + c] * wx;
        rgb[d * 3 + c] = Math.round(top * (1 - wy) + bottom * wy);
      }
      if (labels) {
        const ny = y0 + Math.min(Math.floor((y + 0.5) * scale), side - 1);
        const nx = x0 + Math.min(Math.floor((x + 0.5) * scale), side - 1);
        labels[d] = tile.labels![ny * n + nx];
      }
    }
  }
  return { size: n, rgb, labels };
}

/**
 * Flip, then transpose, then rotate by k * 90 degrees counter-clockwise, done as one pixel
 * permutation: for every output pixel, the source pixel is found by undoing the steps in reverse.
 */
export function permute(tile: Tile, flip: number, transpose: boolean, k: number): Tile {
  if (flip === 0 && !transpose && k === 0) return tile;
  const n = tile.size;
  const rgb = new Uint8Array(n * n * 3);
  const labels = tile.labels ? new Int32Array(n * n) : null;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      let sx = x;
      let sy = y;
      // Undo rot90 k times: output (x, y) of a CCW rotation came from (n-1-y, x).
      for (let r = 0; r < k; r++) {
        const tx = n - 1 - sy;
        sy = sx;
        sx = tx;
      }
      if (transpose) [sx, sy] = [sy, sx];
      if (flip === 1 || flip === 3) sx = n - 1 - sx;
      if (flip === 2 || flip === 3) sy = n - 1 - sy;
      const s = sy * n + sx;
      const d = y * n + x;
      rgb[d * 3] = tile.rgb[s * 3];
      rgb[d * 3 + 1] = tile.rgb[s * 3 + 1];
      rgb[d * 3 + 2] = tile.rgb[s * 3 + 2];
      if (labels) labels[d] = tile.labels![s];
    }
  }
  return { size: n, rgb, labels };
}

/**
 * A colour-perturbed copy of a tile (geometry and labels untouched), for the student view of
 * 'weak-strong' pseudo-labelling (config.ts `PseudoLabelView`). With strength s in [0, 1]:
 * a gain per channel in 1 ± s/2 (stain intensity), brightness and contrast factors in 1 ± s,
 * saturation in 1 ± s (blend with the grey level), then Gaussian noise of std 8·s grey levels.
 * These are the variations between H&E labs and scanners that a few labelled images cannot show.
 */
export function colourJitter(tile: Tile, rng: Rng, strength: number): Tile {
  const uniform = (half: number) => 1 + (2 * rng() - 1) * half;
  const gain = [uniform(strength / 2), uniform(strength / 2), uniform(strength / 2)];
  const brightness = uniform(strength);
  const contrast = uniform(strength);
  const saturation = uniform(strength);
  const noiseStd = 8 * strength;
  const n = tile.size * tile.size;
  let mean = 0;
  for (let i = 0; i < n * 3; i++) mean += tile.rgb[i];
  mean /= n * 3;
  const rgb = new Uint8Array(n * 3);
  const v = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) v[c] = tile.rgb[i * 3 + c] * gain[c] * brightness;
    const grey = 0.299 * v[0] + 0.587 * v[1] + 0.114 * v[2];
    for (let c = 0; c < 3; c++) {
      const saturated = grey + (v[c] - grey) * saturation;
      const contrasted = mean + (saturated - mean) * contrast;
      rgb[i * 3 + c] = clampByte(contrasted + noiseStd * randomNormal(rng));
    }
  }
  return { size: tile.size, rgb, labels: tile.labels };
}

const clampByte = (x: number): number => (x <= 0 ? 0 : x >= 255 ? 255 : Math.round(x));

