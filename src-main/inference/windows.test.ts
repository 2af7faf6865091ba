import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { slidingWindow, type GatedDenseForward } from '../semimoe/predict';
import { binaryEntropy, combineUncertainty, gateEntropy, uncertaintyMap } from './uncertainty';
import { CancelledError, predictWindows, windowPositions } from './windows';

/** A "model" with spatially varying outputs and per-window gates that depend on the window's content. */
const forward: GatedDenseForward = (batch) =>
  tf.tidy(() => {
    const red = tf.squeeze(tf.slice(batch, [0, 0, 0, 0], [-1, -1, -1, 1]), [3]) as tf.Tensor3D;
    const fg = tf.sigmoid(red) as tf.Tensor3D;
    // Gate logits from the window's mean red: windows differ, so their gate entropies differ.
    const m = tf.reshape(tf.mean(red, [1, 2]), [-1, 1]);
    const gates = tf.concat([0, 1, 2].map(() => tf.softmax(tf.concat([tf.mul(m, 3), tf.zerosLike(m), tf.neg(m)], 1))), 1) as tf.Tensor2D;
    return { fg, sdf: tf.neg(fg) as tf.Tensor3D, boundary: tf.mul(fg, 0.5) as tf.Tensor3D, disagreement: tf.abs(tf.sub(fg, 0.5)) as tf.Tensor3D, gates };
  });

function image(w: number, h: number): Uint8Array {
  const rgb = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rgb[(y * w + x) * 3] = (x * 5 + y * 3) % 256;
  return rgb;
}

describe('async sliding window', () => {
  it('blends exactly as semimoe slidingWindow does, and blends the gate entropy per window', async () => {
    await tf.setBackend('cpu');
    const [w, h] = [70, 45];
    const rgb = image(w, h);
    const norm = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };
    const opts = { tile: 32, overlap: 8, batchSize: 3 };
    const progress: number[] = [];
    const ours = await predictWindows(rgb, w, h, norm, forward, { ...opts, onProgress: (p) => progress.push(p.done) });
    expect(tf.memory().numTensors).toBe(0);
    // slidingWindow knows nothing of gates: hand it the forward without them.
    const reference = slidingWindow(rgb, w, h, norm, (b) => {
      const { gates, ...rest } = forward(b);
      gates.dispose();
      return rest;
    }, opts);
    for (const k of ['fg', 'sdf', 'boundary', 'disagreement'] as const) for (let i = 0; i < w * h; i++) expect(ours[k][i]).toBeCloseTo(reference[k][i], 6);
    const positions = windowPositions(w, h, 32, 8);
    expect(ours.windows).toBe(positions.length);
    expect(progress[progress.length - 1]).toBe(positions.length);
    // Gate entropy: between the smallest and largest per-window value, and not constant.
    const g = ours.gateEntropy!;
    const min = Math.min(...g);
    const max = Math.max(...g);
    expect(min).toBeGreaterThan(0);
    expect(max).toBeLessThan(1);
    expect(max - min).toBeGreaterThan(0.01);
    expect(tf.memory().numTensors).toBe(0);
  });

  it('throws CancelledError at the next batch once aborted', async () => {
    await tf.setBackend('cpu');
    const controller = new AbortController();
    let calls = 0;
    const counting: GatedDenseForward = (b) => {
      calls++;
      return forward(b);
    };
    const run = predictWindows(image(100, 100), 100, 100, { mean: [0, 0, 0], std: [1, 1, 1] }, counting, {
      tile: 32,
      overlap: 8,
      batchSize: 1,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(calls).toBe(1);
  });
});

describe('uncertainty', () => {
  it('entropy and gate entropy are 0..1 with the right extremes', () => {
    expect(binaryEntropy(0.5)).toBeCloseTo(1, 6);
    expect(binaryEntropy(0)).toBeLessThan(1e-5);
    expect(binaryEntropy(0.9)).toBeCloseTo(binaryEntropy(0.1), 9);
    expect(gateEntropy([1 / 3, 1 / 3, 1 / 3, 1 / 3, 1 / 3, 1 / 3, 1 / 3, 1 / 3, 1 / 3])).toBeCloseTo(1, 6);
    expect(gateEntropy([1, 0, 0, 0, 1, 0, 0, 0, 1])).toBe(0);
    expect(combineUncertainty(1, 1, 1)).toBeCloseTo(1, 9);
    expect(combineUncertainty(0, 0, null)).toBe(0);
    // Without the gate the other two keep their relative weights.
    expect(combineUncertainty(1, 0, null)).toBeCloseTo(0.45 / 0.8, 9);
    const map = uncertaintyMap(new Float32Array([0.5, 0.99]), new Float32Array([0.6, 0]), new Float32Array([0.5, 0.5]));
    expect(map[0]).toBeGreaterThan(map[1]);
  });
});
