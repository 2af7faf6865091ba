import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { registerTrainingGradients } from './gradients';
import { relativeError, useBackend } from './kernel-test-support';
import { createTinyUNet, tinyBatch, tinyTrainStep } from './tiny-unet';
import type { BackendId } from './candidates';

/** Every variable's gradient of the tiny U-Net's loss, and three SGD steps' losses. */
async function train(backend: BackendId): Promise<{ grads: Float32Array[]; losses: number[] }> {
  await useBackend(backend);
  const model = createTinyUNet({ width: 4, depth: 2, inChannels: 3, seed: 3 });
  const { x, mask } = tinyBatch(2, 16, 3, 5);
  const { value, grads } = tf.variableGrads(() => model.loss(x, mask), model.variables);
  const gradValues = model.variables.map((v) => grads[v.name].dataSync() as Float32Array);
  tf.dispose([value, ...Object.values(grads)]);
  const optimizer = tf.train.momentum(0.05, 0.9);
  const losses = [0, 1, 2].map(() => tinyTrainStep(model, optimizer, x, mask));
  model.dispose();
  optimizer.dispose();
  tf.dispose([x, mask]);
  return { grads: gradValues, losses };
}

describe('training on wasm', () => {
  it('gives the same gradients and losses as the CPU backend for a U-Net with BN, pooling and upsampling', async () => {
    await registerTrainingGradients();
    const wasm = await train('wasm');
    const cpu = await train('cpu');
    const worst = Math.max(...wasm.grads.map((g, i) => relativeError(g, cpu.grads[i])));
    expect(worst).toBeLessThan(1e-4);
    expect(relativeError(wasm.losses, cpu.losses)).toBeLessThan(1e-4);
  });
});
