/**
 * Training data: the deterministic split of a GlaS-layout folder, images loaded at the model's
 * resolution, and batches of augmented tiles as NHWC tensors.
 *
 * Split (all seeded, independent of file-system order because names are sorted first):
 *   validation = the first round(n * validationFraction) names of a seeded shuffle;
 *   labelled   = round(rest * labeledFraction) names (at least 1) of a second seeded shuffle
 *                of the rest, so supervised-only and semi-supervised runs with the same seed
 *                see exactly the same labels;
 *   unlabelled = the remainder (their labels are never read), plus any image without a label.
 */
import * as tf from '@tensorflow/tfjs-core';
import { augmentTile, randomTile, type SourceImage, type Tile } from './augment';
import { GLAS_MPP, listGlasFolder, loadRgbImage, type GlasEntry } from './glas';
import { createRng, deriveSeed, type Rng } from './random';
import type { LabelledBatch, UnlabelledBatch } from './step';
import { boundaryTarget, connectedComponents, sdfTarget } from './targets';

export interface SplitOptions {
  validationFraction: number;
  labeledFraction: number;
  seed: number;
}

export interface DatasetSplit {
  validation: string[];
  labelled: string[];
  unlabelled: string[];
}

/** Fisher-Yates on a copy. */
export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Deterministic split; `unlabeledOnly` names (no label file) always land in `unlabelled`. */
export function splitNames(names: readonly string[], opts: SplitOptions, unlabeledOnly: ReadonlySet<string> = new Set()): DatasetSplit {
  if (!(opts.labeledFraction > 0 && opts.labeledFraction <= 1)) throw new Error(`labelled fraction must be in (0, 1], got ${opts.labeledFraction}`);
  if (!(opts.validationFraction >= 0 && opts.validationFraction < 1)) throw new Error(`validation fraction must be in [0, 1), got ${opts.validationFraction}`);
  const withLabels = names.filter((n) => !unlabeledOnly.has(n)).sort();
  const nVal = Math.round(withLabels.length * opts.validationFraction);
  // Separate streams for the two shuffles, so the labelled draw does not depend on how many
  // numbers the validation shuffle consumed.
  const order = shuffled(withLabels, createRng(deriveSeed(opts.seed, 'split.validation')));
  const validation = order.slice(0, nVal).sort();
  const rest = order.slice(nVal).sort();
  if (rest.length === 0) throw new Error('no labelled images left for training after the validation split');
  const nLab = Math.min(rest.length, Math.max(1, Math.round(rest.length * opts.labeledFraction)));
  const restOrder = shuffled(rest, createRng(deriveSeed(opts.seed, 'split.labelled')));
  const labelled = restOrder.slice(0, nLab).sort();
  const unlabelled = [...restOrder.slice(nLab), ...names.filter((n) => unlabeledOnly.has(n))].sort();
  return { validation, labelled, unlabelled };
}

/** An image at model resolution with instance labels (connected components of its mask). */
export interface LabelledImage extends SourceImage {
  name: string;
}

export interface TrainingData {
  split: DatasetSplit;
  labelled: LabelledImage[];
  unlabelled: LabelledImage[];
  validation: LabelledImage[];
}

/**
 * Loads a GlaS-layout folder at `modelMpp`. Human masks here are binary, so instances are the
 * connected components (GlaS glands almost never touch; see the data README).
 */
export async function loadTrainingData(
  dataDir: string,
  split: SplitOptions,
  modelMpp: number,
  sourceMpp = GLAS_MPP,
): Promise<TrainingData> {
  const entries = await listGlasFolder(dataDir);
  const byName = new Map(entries.map((e) => [e.name, e]));
  const s = splitNames(
    entries.map((e) => e.name),
    split,
    new Set(entries.filter((e) => !e.labelPath).map((e) => e.name)),
  );
  const load = async (names: string[], keepLabels: boolean) => {
    const out: LabelledImage[] = [];
    for (const name of names) out.push(await loadImage(byName.get(name)!, sourceMpp, modelMpp, keepLabels));
    return out;
  };
  return {
    split: s,
    labelled: await load(s.labelled, true),
    unlabelled: await load(s.unlabelled, false),
    validation: await load(s.validation, true),
  };
}

/** Loads one image at model resolution; labels are dropped when they must not be seen. */
export async function loadImage(entry: GlasEntry, sourceMpp: number, modelMpp: number, keepLabels = true): Promise<LabelledImage> {
  const img = await loadRgbImage(keepLabels ? entry : { ...entry, labelPath: null }, sourceMpp, modelMpp);
  const labels = img.mask ? connectedComponents(img.mask, img.width, img.height).labels : null;
  return { name: img.name, width: img.width, height: img.height, rgb: img.rgb, labels };
}

export interface Normalisation {
  mean: readonly number[];
  std: readonly number[];
}

/** Random augmented tiles from random images. */
export function sampleTiles(images: readonly SourceImage[], count: number, size: number, rng: Rng, augment = true): Tile[] {
  const tiles: Tile[] = [];
  for (let k = 0; k < count; k++) {
    const img = images[Math.floor(rng() * images.length)];
    const tile = randomTile(img, size, rng);
    tiles.push(augment ? augmentTile(tile, rng) : tile);
  }
  return tiles;
}

/** RGB bytes (HWC) -> normalised float32, (v / 255 - mean) / std per channel. */
export function normaliseRgb(rgb: Uint8Array, norm: Normalisation, out = new Float32Array(rgb.length), offset = 0): Float32Array {
  const [m0, m1, m2] = norm.mean;
  const [s0, s1, s2] = norm.std;
  for (let i = 0; i < rgb.length; i += 3) {
    out[offset + i] = (rgb[i] / 255 - m0) / s0;
    out[offset + i + 1] = (rgb[i + 1] / 255 - m1) / s1;
    out[offset + i + 2] = (rgb[i + 2] / 255 - m2) / s2;
  }
  return out;
}

/** Tiles -> [B, S, S, 3] normalised image tensor. The caller disposes it. */
export function imagesTensor(tiles: readonly Tile[], norm: Normalisation): tf.Tensor4D {
  const s = tiles[0].size;
  const data = new Float32Array(tiles.length * s * s * 3);
  tiles.forEach((t, b) => normaliseRgb(t.rgb, norm, data, b * s * s * 3));
  return tf.tensor4d(data, [tiles.length, s, s, 3]);
}

/**
 * Labelled tiles -> the trainer's batch: images plus mask, SDF and boundary targets, each
 * [B, S, S, 1]. Targets are computed per tile after augmentation (the SDF is normalised over
 * the tile, as in the reference); the boundary ring is drawn per instance so touching glands
 * get a ring between them. The caller disposes the tensors.
 */
export function labelledBatch(tiles: readonly Tile[], config: Normalisation): LabelledBatch {
  const s = tiles[0].size;
  const n = s * s;
  const masks = new Float32Array(tiles.length * n);
  const sdf = new Float32Array(tiles.length * n);
  const bnd = new Float32Array(tiles.length * n);
  tiles.forEach((t, b) => {
    if (!t.labels) throw new Error('labelledBatch: a tile has no labels');
    for (let i = 0; i < n; i++) masks[b * n + i] = t.labels[i] > 0 ? 1 : 0;
    sdf.set(sdfTarget(t.labels, s, s), b * n);
    bnd.set(boundaryTarget(t.labels, s, s), b * n);
  });
  const shape: [number, number, number, number] = [tiles.length, s, s, 1];
  return {
    images: imagesTensor(tiles, config),
    masks: tf.tensor4d(masks, shape),
    sdf: tf.tensor4d(sdf, shape),
    bnd: tf.tensor4d(bnd, shape),
  };
}

/** Unlabelled tiles -> the trainer's batch; `studentTiles` (same geometry) for 'weak-strong'. */
export function unlabelledBatch(tiles: readonly Tile[], config: Normalisation, studentTiles?: readonly Tile[]): UnlabelledBatch {
  return { images: imagesTensor(tiles, config), ...(studentTiles ? { studentImages: imagesTensor(studentTiles, config) } : {}) };
}
