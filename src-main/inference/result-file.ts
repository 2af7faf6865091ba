/**
 * A region prediction on disk: one folder with probability.png, uncertainty.png and
 * prediction.json (glands, where the maps lie, stats). The folder is written atomically, so a
 * reader sees a whole prediction or none; the trainer process writes it, the main process
 * reads it back with readPredictionFolder.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeDirAtomic, writeFileAtomic } from '../trainer/atomic-write';
import { HEATMAP_FILES, writeHeatmaps } from './heatmaps';
import type { PredictedGland, RegionPrediction, RegionPredictionStats } from './predict-region';
import type { Rect } from './region';

export const PREDICTION_FILE = 'prediction.json';
export const PREDICTION_FORMAT = 'semimoe-region-prediction';
/** 16 model pixels = 20 um at the starter's 1.24 um/px: finer than any review field. */
export const GRID_CELL = 16;

export interface PredictionFile {
  format: typeof PREDICTION_FORMAT;
  version: 1;
  slidePath: string;
  modelDir: string;
  /** The model's version label as the caller named it (or the model card's name). */
  modelVersion: string;
  region: Rect;
  /** Where the heat maps lie on the slide (level-0), their size and resolution. */
  heatmaps: { bounds: Rect; width: number; height: number; mpp: number; probability: string; uncertainty: string };
  /** The uncertainty map averaged over cells (for ranking review fields without the PNG). */
  uncertaintyGrid: UncertaintyGrid;
  glands: PredictedGland[];
  stats: RegionPredictionStats;
  createdAt: string;
}

export interface UncertaintyGrid {
  /** Cell side in model pixels. */
  cell: number;
  width: number;
  height: number;
  /** The level-0 rectangle the grid covers (the maps' bounds). */
  bounds: Rect;
  /** Row-major cell means, 0..1, 3 decimals. */
  values: number[];
}

/** Cell means of a map; edge cells average the pixels they have. */
export function gridOf(map: Float32Array, width: number, height: number, bounds: Rect, cell: number): UncertaintyGrid {
  const gw = Math.ceil(width / cell);
  const gh = Math.ceil(height / cell);
  const sum = new Float64Array(gw * gh);
  const n = new Float64Array(gw * gh);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const g = Math.floor(y / cell) * gw + Math.floor(x / cell);
      sum[g] += map[y * width + x];
      n[g]++;
    }
  }
  // The grid's cells are `cell` model pixels; the last row/column may be partial, so the grid's
  // bounds extend past the map's by under one cell: scale them by the cell count.
  const sx = bounds.width / width;
  const sy = bounds.height / height;
  return {
    cell,
    width: gw,
    height: gh,
    bounds: { x: bounds.x, y: bounds.y, width: gw * cell * sx, height: gh * cell * sy },
    values: Array.from(sum, (v, i) => Math.round((v / n[i]) * 1000) / 1000),
  };
}

export async function writePredictionFolder(dir: string, p: RegionPrediction, meta: { slidePath: string; modelDir: string; modelVersion: string }): Promise<PredictionFile> {
  const file: PredictionFile = {
    format: PREDICTION_FORMAT,
    version: 1,
    ...meta,
    region: p.region,
    heatmaps: { bounds: p.mapBounds, width: p.width, height: p.height, mpp: p.mpp, probability: HEATMAP_FILES.probability, uncertainty: HEATMAP_FILES.uncertainty },
    uncertaintyGrid: gridOf(p.uncertainty, p.width, p.height, p.mapBounds, GRID_CELL),
    glands: p.glands,
    stats: p.stats,
    createdAt: new Date().toISOString(),
  };
  await writeDirAtomic(dir, async (tmp) => {
    await writeHeatmaps(tmp, p);
    await writeFileAtomic(path.join(tmp, PREDICTION_FILE), JSON.stringify(file));
  });
  return file;
}

/** Reads a prediction folder back; throws when it is not one (or is of another version). */
export async function readPredictionFolder(dir: string): Promise<PredictionFile & { dir: string }> {
  const raw = JSON.parse(await readFile(path.join(dir, PREDICTION_FILE), 'utf8')) as Partial<PredictionFile>;
  if (raw.format !== PREDICTION_FORMAT || raw.version !== 1 || !Array.isArray(raw.glands) || !raw.region || !raw.heatmaps || !raw.stats || !raw.uncertaintyGrid) {
    throw new Error(`${dir} does not hold a region prediction of a known version`);
  }
  return { ...(raw as PredictionFile), dir };
}
