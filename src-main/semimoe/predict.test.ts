import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { resizeNearest, slidingWindow, windowStarts, type DenseForward } from './predict';

describe('sliding window', () => {
  it('window starts cover the length and end flush', () => {
    expect(windowStarts(100, 32, 24)).toEqual([0, 24, 48, 68]);
    expect(windowStarts(20, 32, 24)).toEqual([0]);
  });

  it('blending reproduces a per-pixel function exactly, on an image smaller and larger than a tile', async () => {
    await tf.setBackend('cpu');
    // The "model" returns the normalised red channel as fg: blending must give it back.
    const forward: DenseForward = (batch) =>
      tf.tidy(() => {
        const red = tf.squeeze(tf.slice(batch, [0, 0, 0, 0], [-1, -1, -1, 1]), [3]) as tf.Tensor3D;
        return { fg: tf.clone(red), sdf: tf.neg(red), boundary: tf.zerosLike(red), disagreement: tf.fill(red.shape, 0.25) as tf.Tensor3D };
      });
    for (const [w, h] of [
      [50, 37],
      [20, 12],
    ]) {
      const rgb = new Uint8Array(w * h * 3);
      for (let i = 0; i < w * h; i++) rgb[i * 3] = (i * 37) % 256;
      const out = slidingWindow(rgb, w, h, { mean: [0, 0, 0], std: [1, 1, 1] }, forward, { tile: 16, overlap: 4, batchSize: 3 });
      for (let i = 0; i < w * h; i++) {
        expect(out.fg[i]).toBeCloseTo(rgb[i * 3] / 255, 5);
        expect(out.sdf[i]).toBeCloseTo(-rgb[i * 3] / 255, 5);
        expect(out.disagreement[i]).toBeCloseTo(0.25, 5);
      }
    }
    expect(tf.memory().numTensors).toBe(0);
  });

  it('nearest resize keeps labels', () => {
    const src = new Int32Array([1, 2, 3, 4]);
    expect(Array.from(resizeNearest(src, 2, 2, 4, 2))).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
  });
});
