/**
 * Inference: sliding windows over an image of any size at the model's resolution, whole image
 * files (resampling, instances, GeoJSON, mask), evaluation of a model directory on a GlaS-layout
 * folder, and the model as a dense forward function (`modelForward`, `loadPredictor`).
 *
 * Windows of `tile` pixels overlap by `overlap`; each window's outputs are weighted by a
 * separable raised-cosine (Hann) window, so the centre of a tile, where the U-Net sees the most
 * context, counts most and seams vanish. The weights never reach zero, so pixels on the image
 * edge (covered by one window only) are still defined. Images smaller than a window, and the
 * last row/column of windows, are handled by mirror padding.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { mirror } from './augment';
import { normaliseRgb, type Normalisation } from './data';
import { decodeRgb, GLAS_MPP, listGlasFolder, loadRgbImage } from './glas';
import { extractInstances, instancesToGeoJson, type DenseOutputs, type GeoJsonFeatureCollection, type Instances } from './instances';
import { evaluateInstances, meanMetrics, type ImageMetrics, type MeanMetrics } from './metrics';
import { readModelCard, type ModelCard } from './model-card';
import type { SemiMoeModel } from './model';
import { initBackend, isBackendPreference, BACKEND_PREFERENCES } from './backend/select';
import { loadCheckpoint } from './checkpoint';
import { connectedComponents } from './targets';

/**
 * One forward pass on a normalised [B, S, S, 3] batch, giving four [B, S, S] maps:
 * fused gland probability, fused SDF, fused boundary probability, expert disagreement.
 * Tensors returned are owned (and disposed) by the caller.
 */
export type DenseForward = (batch: tf.Tensor4D) => { fg: tf.Tensor3D; sdf: tf.Tensor3D; boundary: tf.Tensor3D; disagreement: tf.Tensor3D };

export interface SlidingWindowOptions {
  /** Window side in model pixels (a multiple of 16 for the four poolings of the U-Net). */
  tile: number;
  overlap: number;
  batchSize: number;
}

/** 1-D window weights: raised cosine over the tile, floored so edges keep a little weight. */
export function windowWeights(size: number, floor = 0.05): Float32Array {
  const w = new Float32Array(size);
  for (let i = 0; i < size; i++) w[i] = Math.max(floor, Math.sin((Math.PI * (i + 0.5)) / size) ** 2);
  return w;
}

/** Window start positions covering [0, length) with the given stride; the last one flush with the end. */
export function windowStarts(length: number, tile: number, stride: number): number[] {
  if (length <= tile) return [0];
  const starts: number[] = [];
  for (let s = 0; s + tile < length; s += stride) starts.push(s);
  starts.push(length - tile);
  return starts;
}

/**
 * The normalised input batch for windows at `positions` (top-left corners) of an HWC image,
 * mirror-padded past the image edge so border windows see plausible tissue, not black.
 */
export function windowBatch(
  rgb: Uint8Array,
  width: number,
  height: number,
  positions: readonly [number, number][],
  tile: number,
  norm: Normalisation,
): tf.Tensor4D {
  const input = new Float32Array(positions.length * tile * tile * 3);
  const crop = new Uint8Array(tile * tile * 3);
  positions.forEach(([x0, y0], b) => {
    for (let y = 0; y < tile; y++) {
      const sy = mirror(y0 + y, height);
      for (let x = 0; x < tile; x++) {
        const s = (sy * width + mirror(x0 + x, width)) * 3;
        const d = (y * tile + x) * 3;
        crop[d] = rgb[s];
        crop[d + 1] = rgb[s + 1];
        crop[d + 2] = rgb[s + 2];
      }
    }
    normaliseRgb(crop, norm, input, b * tile * tile * 3);
  });
  return tf.tensor4d(input, [positions.length, tile, tile, 3]);
}

/** Runs `forward` over the whole image and blends the windows. `rgb` is HWC bytes. */
export function slidingWindow(
  rgb: Uint8Array,
  width: number,
  height: number,
  norm: Normalisation,
  forward: DenseForward,
  opts: SlidingWindowOptions,
): DenseOutputs {
  const { tile, batchSize } = opts;
  const stride = Math.max(1, tile - opts.overlap);
  const blender = new WindowBlender(width, height, tile);
  const positions: [number, number][] = [];
  for (const y of windowStarts(height, tile, stride)) for (const x of windowStarts(width, tile, stride)) positions.push([x, y]);

  for (let b0 = 0; b0 < positions.length; b0 += batchSize) {
    const group = positions.slice(b0, b0 + batchSize);
    const batch = windowBatch(rgb, width, height, group, tile, norm);
    const out = forward(batch);
    batch.dispose();
    const maps = {
      fg: out.fg.dataSync(),
      sdf: out.sdf.dataSync(),
      boundary: out.boundary.dataSync(),
      disagreement: out.disagreement.dataSync(),
    };
    tf.dispose([out.fg, out.sdf, out.boundary, out.disagreement]);
    blender.add(group, maps);
  }
  return { width, height, ...blender.finish().maps };
}

type DenseMaps = Pick<DenseOutputs, 'fg' | 'sdf' | 'boundary' | 'disagreement'>;

/**
 * Blends overlapping windows into whole-image maps: each window's pixels weighted by
 * windowWeights (low at its edges, where the network sees least context), then normalised by the
 * summed weight. An optional per-window scalar (the gate entropy) is blended the same way.
 */
export class WindowBlender {
  private readonly maps: DenseMaps;
  private readonly weightSum: Float32Array;
  private readonly wx: Float32Array;
  private scalar: Float32Array | null = null;

  constructor(
    private readonly width: number,
    private readonly height: number,
    private readonly tile: number,
  ) {
    const n = width * height;
    this.maps = { fg: new Float32Array(n), sdf: new Float32Array(n), boundary: new Float32Array(n), disagreement: new Float32Array(n) };
    this.weightSum = new Float32Array(n);
    this.wx = windowWeights(tile);
  }

  /** Adds one batch: `out` holds [B, tile, tile] maps for the windows at `group` (top-left corners). */
  add(group: readonly [number, number][], out: { [K in keyof DenseMaps]: ArrayLike<number> }, perWindow?: (b: number) => number): void {
    const { width, height, tile, wx, maps, weightSum } = this;
    if (perWindow && !this.scalar) this.scalar = new Float32Array(width * height);
    const scalar = perWindow ? this.scalar : null;
    group.forEach(([x0, y0], b) => {
      const v = perWindow ? perWindow(b) : 0;
      for (let y = 0; y < tile && y0 + y < height; y++) {
        for (let x = 0; x < tile && x0 + x < width; x++) {
          const w = wx[x] * wx[y];
          const d = (y0 + y) * width + x0 + x;
          const s = b * tile * tile + y * tile + x;
          maps.fg[d] += w * out.fg[s];
          maps.sdf[d] += w * out.sdf[s];
          maps.boundary[d] += w * out.boundary[s];
          maps.disagreement[d] += w * out.disagreement[s];
          if (scalar) scalar[d] += w * v;
          weightSum[d] += w;
        }
      }
    });
  }

  /** The blended maps (normalised in place; call once, after the last batch). */
  finish(): { maps: DenseMaps; scalar: Float32Array | null } {
    const { maps, weightSum, scalar } = this;
    for (let i = 0; i < weightSum.length; i++) {
      const w = weightSum[i];
      maps.fg[i] /= w;
      maps.sdf[i] /= w;
      maps.boundary[i] /= w;
      maps.disagreement[i] /= w;
      if (scalar) scalar[i] /= w;
    }
    return { maps, scalar };
  }
}

// ---------------------------------------------------------------------------------------------
// Whole images from files, and evaluation of a model directory on a GlaS-layout folder.

/** A loaded model ready for inference. */
export interface Predictor {
  config: { mpp: number; inputSize: number; mean: readonly number[]; std: readonly number[] };
  card: ModelCard | null;
  /** Threshold chosen on validation (model card), else 0.5. */
  threshold: number;
  backend: string;
  forward: DenseForward;
  /** The same forward pass plus the gates' expert weights (absent for forwards built without a model). */
  forwardWithGates?: GatedDenseForward;
  dispose(): void;
}

export interface ImagePrediction {
  /** Image size (level-0 pixels). */
  width: number;
  height: number;
  /** Outputs at model resolution and their size. */
  dense: DenseOutputs;
  instances: Instances;
  threshold: number;
  geojson: GeoJsonFeatureCollection;
  maskAtImageSize(): Uint8Array;
  labelsAtImageSize(): Int32Array;
}

/** Window side for inference: twice the training tile (more context per pass), a multiple of 16. */
export function inferenceTile(config: { inputSize: number }): number {
  return Math.max(16, Math.ceil((config.inputSize * 2) / 16) * 16);
}

/** Dense outputs over a whole image already at the model's resolution. */
export function predictDense(p: Predictor, rgb: Uint8Array, width: number, height: number): DenseOutputs {
  const tile = inferenceTile(p.config);
  return slidingWindow(rgb, width, height, p.config, p.forward, { tile, overlap: Math.round(tile / 4), batchSize: 2 });
}

/**
 * Smallest gland kept, in pixels at `mpp`: 600 um^2 (a disc ~28 um across), well below a
 * real colon gland. Chosen on the starter model's validation split, where keeping smaller
 * fragments multiplied false positives (object F1 0.33 at 115 um^2, 0.46 at 600 um^2) for
 * a pixel Dice change of 0.01.
 */
export const MIN_GLAND_AREA_UM2 = 600;

export function minGlandArea(mpp: number): number {
  return Math.max(4, Math.round(MIN_GLAND_AREA_UM2 / (mpp * mpp)));
}

/**
 * Reads an image, resamples it to the model's resolution, predicts, and separates instances.
 * `imageMpp` defaults to the resolution of the model's training data (same scanner assumed).
 */
export async function predictImageFile(
  p: Predictor,
  file: string,
  opts: { imageMpp?: number; threshold?: number } = {},
): Promise<ImagePrediction> {
  const meta = await sharp(file).metadata();
  if (!meta.width || !meta.height) throw new Error(`cannot read image size of ${file}`);
  const W = meta.width;
  const H = meta.height;
  const imageMpp = opts.imageMpp ?? p.card?.data.sourceMpp ?? GLAS_MPP;
  const scale = imageMpp / p.config.mpp;
  const w = Math.max(1, Math.round(W * scale));
  const h = Math.max(1, Math.round(H * scale));
  const rgb = await decodeRgb(file, w, h);
  const dense = predictDense(p, rgb, w, h);
  const threshold = opts.threshold ?? p.threshold;
  const instances = extractInstances(dense, { threshold, minArea: minGlandArea(p.config.mpp) });
  const geojson = instancesToGeoJson(instances, dense, { scale: [W / w, H / h] });
  return {
    width: W,
    height: H,
    dense,
    instances,
    threshold,
    geojson,
    maskAtImageSize: () => {
      const labels = resizeNearest(instances.labels, w, h, W, H);
      const mask = new Uint8Array(W * H);
      for (let i = 0; i < mask.length; i++) mask[i] = labels[i] > 0 ? 255 : 0;
      return mask;
    },
    labelsAtImageSize: () => resizeNearest(instances.labels, w, h, W, H),
  };
}

/** Nearest-neighbour resize of a label map (pixel-centre aligned). */
export function resizeNearest(src: Int32Array, w: number, h: number, W: number, H: number): Int32Array {
  if (w === W && h === H) return src.slice();
  const out = new Int32Array(W * H);
  for (let y = 0; y < H; y++) {
    const sy = Math.min(h - 1, Math.floor(((y + 0.5) * h) / H));
    for (let x = 0; x < W; x++) out[y * W + x] = src[sy * w + Math.min(w - 1, Math.floor(((x + 0.5) * w) / W))];
  }
  return out;
}

export interface EvaluationResult {
  model: string;
  data: string;
  split: 'validation' | 'all';
  threshold: number;
  backend: string;
  perImage: (ImageMetrics & { name: string })[];
  mean: MeanMetrics;
}

/**
 * Evaluates at the images' own resolution: predicted instances are resized back (nearest) and
 * compared with the connected components of the ground-truth mask, so Hausdorff is in image pixels.
 */
export async function evaluateModel(
  modelDir: string,
  dataDir: string,
  opts: {
    split?: 'validation' | 'all';
    threshold?: number;
    imageMpp?: number;
    backend?: string;
    predictor?: Predictor;
    onImage?: (name: string, index: number, total: number) => void;
  } = {},
): Promise<EvaluationResult> {
  const predictor = opts.predictor ?? (await loadPredictor(modelDir, opts.backend ?? 'auto'));
  try {
    const card = predictor.card;
    const trainedHere = card !== null && path.resolve(card.data.dir) === path.resolve(dataDir);
    const split = opts.split ?? (trainedHere ? 'validation' : 'all');
    let entries = (await listGlasFolder(dataDir)).filter((e) => e.labelPath);
    if (split === 'validation') {
      if (!card || card.data.validationNames.length === 0) throw new Error('the model card lists no validation images; use --split all');
      if (!trainedHere) throw new Error(`the model was trained on ${card?.data.dir}, not ${dataDir}: its validation split is not here (use --split all)`);
      const names = new Set(card.data.validationNames);
      entries = entries.filter((e) => names.has(e.name));
    } else if (trainedHere) {
      process.stderr.write('warning: --split all on the training folder includes training images; numbers are optimistic\n');
    }
    if (entries.length === 0) throw new Error(`no labelled images to evaluate in ${dataDir}`);
    const perImage: (ImageMetrics & { name: string })[] = [];
    let i = 0;
    for (const entry of entries) {
      opts.onImage?.(entry.name, ++i, entries.length);
      const pred = await predictImageFile(predictor, entry.imagePath, { imageMpp: opts.imageMpp, threshold: opts.threshold });
      const truthImg = await loadRgbImage(entry, 1, 1);
      const truth = connectedComponents(truthImg.mask!, truthImg.width, truthImg.height).labels;
      const m = evaluateInstances(
        { width: pred.width, height: pred.height, labels: pred.labelsAtImageSize() },
        { width: truthImg.width, height: truthImg.height, labels: truth },
      );
      perImage.push({ name: entry.name, ...m });
    }
    return {
      model: modelDir,
      data: dataDir,
      split,
      threshold: opts.threshold ?? predictor.threshold,
      backend: predictor.backend,
      perImage,
      mean: meanMetrics(perImage),
    };
  } finally {
    if (!opts.predictor) predictor.dispose();
  }
}

/**
 * The model as a DenseForward: gated (fused) heads in inference mode, plus the experts'
 * disagreement. Disagreement per pixel = max - min of three gland probabilities: the
 * segmentation expert's, the SDF expert's (sigmoid(8 tanh(sdf)), a soft "inside"), and the
 * fused mask's. It is high where the experts tell different stories, which is what a reviewer
 * should look at first.
 */
export function modelForward(model: SemiMoeModel): DenseForward {
  const withGates = modelForwardWithGates(model);
  return (batch) => {
    const { gates, ...dense } = withGates(batch);
    gates.dispose();
    return dense;
  };
}

/**
 * DenseForward outputs plus the gates' weights over the experts: [B, 9], tasks in TASKS order
 * (mask, sdf, bnd), each three softmax weights in EXPERTS order (seg, sdf, bnd). The gates
 * weigh a whole window at once (not per pixel), so this is one row per window.
 */
export type GatedDenseForward = (batch: tf.Tensor4D) => ReturnType<DenseForward> & { gates: tf.Tensor2D };

/** modelForward plus the gate weights of the same forward pass (no second pass). */
export function modelForwardWithGates(model: SemiMoeModel): GatedDenseForward {
  return (batch) =>
    tf.tidy(() => {
      const out = model.forward(batch, false);
      const fg1 = (logits: tf.Tensor4D) => tf.squeeze(tf.slice(tf.softmax(logits), [0, 0, 0, 1], [-1, -1, -1, 1]), [3]) as tf.Tensor3D;
      const fg = fg1(out.gated.mask);
      const segExpert = fg1(out.experts.seg);
      const sdfExpert = tf.squeeze(tf.sigmoid(tf.mul(tf.tanh(out.experts.sdf), 8)), [3]) as tf.Tensor3D;
      const views = tf.stack([fg, segExpert, sdfExpert]); // [3, B, S, S]
      return {
        fg,
        sdf: tf.squeeze(tf.tanh(out.gated.sdf), [3]) as tf.Tensor3D,
        boundary: fg1(out.gated.bnd),
        disagreement: tf.sub(tf.max(views, 0), tf.min(views, 0)) as tf.Tensor3D,
        gates: tf.concat([out.gateWeights.mask, out.gateWeights.sdf, out.gateWeights.bnd], 1) as tf.Tensor2D, // 3 x [B, 3] -> [B, 9]
      };
    });
}

/** Makes the preferred backend (or the best available below it) active; returns its description. */
export async function startBackend(pref = 'auto'): Promise<string> {
  if (!isBackendPreference(pref)) throw new Error(`unknown backend "${pref}"; expected one of ${BACKEND_PREFERENCES.join(', ')}`);
  return (await initBackend(pref)).detail;
}

/** Loads a model directory (checkpoint + model card) on the chosen backend. */
export async function loadPredictor(modelDir: string, backendPref = 'auto'): Promise<Predictor> {
  const backend = await startBackend(backendPref);
  let loaded;
  try {
    loaded = await loadCheckpoint(modelDir);
  } catch (e) {
    throw new Error(`cannot load model from ${modelDir}: ${(e as Error).message}`);
  }
  const card = await readModelCard(modelDir);
  const model = loaded.model;
  return {
    config: loaded.config,
    card,
    threshold: card?.validation.threshold ?? 0.5,
    backend,
    forward: modelForward(model),
    forwardWithGates: modelForwardWithGates(model),
    dispose: () => model.dispose(),
  };
}
