/**
 * Sliding-window inference that can be watched and stopped: the same windows and Hann blending
 * as semimoe/predict.ts `slidingWindow` (it reuses its window positions and weights), but async,
 * yielding to the event loop after every batch so a cancel message can arrive, reporting
 * progress per batch, and blending one more map: the gates' entropy per window (uncertainty.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Normalisation } from '../semimoe/data';
import type { DenseOutputs } from '../semimoe/instances';
import { WindowBlender, windowBatch, windowStarts, type DenseForward, type GatedDenseForward } from '../semimoe/predict';
import { gateEntropy } from './uncertainty';

export interface WindowProgress {
  /** Windows done and in all. */
  done: number;
  total: number;
}

export interface WindowOptions {
  tile: number;
  overlap: number;
  batchSize: number;
  signal?: AbortSignal;
  onProgress?: (p: WindowProgress) => void;
}

export interface WindowOutputs extends DenseOutputs {
  /** Blended normalised gate entropy per pixel, or null when the forward gives no gate weights. */
  gateEntropy: Float32Array | null;
  windows: number;
}

export class CancelledError extends Error {
  constructor() {
    super('prediction cancelled');
    this.name = 'CancelledError';
  }
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Window top-left corners in the order they run (rows of windows, top to bottom). */
export function windowPositions(width: number, height: number, tile: number, overlap: number): [number, number][] {
  const stride = Math.max(1, tile - overlap);
  const positions: [number, number][] = [];
  for (const y of windowStarts(height, tile, stride)) for (const x of windowStarts(width, tile, stride)) positions.push([x, y]);
  return positions;
}

/** Runs `forward` over an HWC RGB image at the model's resolution and blends the windows. */
export async function predictWindows(
  rgb: Uint8Array,
  width: number,
  height: number,
  norm: Normalisation,
  forward: DenseForward | GatedDenseForward,
  opts: WindowOptions,
): Promise<WindowOutputs> {
  const { tile, batchSize } = opts;
  const blender = new WindowBlender(width, height, tile);
  const positions = windowPositions(width, height, tile, opts.overlap);

  for (let b0 = 0; b0 < positions.length; b0 += batchSize) {
    if (opts.signal?.aborted) throw new CancelledError();
    const group = positions.slice(b0, b0 + batchSize);
    const batch = windowBatch(rgb, width, height, group, tile, norm);
    const out = forward(batch);
    batch.dispose();
    const gates: tf.Tensor2D | null = 'gates' in out ? (out as ReturnType<GatedDenseForward>).gates : null;
    const maps = { fg: out.fg.dataSync(), sdf: out.sdf.dataSync(), boundary: out.boundary.dataSync(), disagreement: out.disagreement.dataSync() };
    const gateRows = gates ? gates.dataSync() : null; // [B, 9]
    tf.dispose([out.fg, out.sdf, out.boundary, out.disagreement, ...(gates ? [gates] : [])]);
    blender.add(group, maps, gateRows ? (b) => gateEntropy(gateRows, b * 9) : undefined);
    opts.onProgress?.({ done: Math.min(positions.length, b0 + group.length), total: positions.length });
    await yieldToEventLoop();
  }
  const { maps, scalar } = blender.finish();
  return { width, height, ...maps, gateEntropy: scalar, windows: positions.length };
}
