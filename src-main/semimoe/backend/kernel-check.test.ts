import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { registerTrainingGradients } from './gradients';
import { checkTrainingKernels, kernelsUsedBy, missingKernels, MissingKernelsError, TRAINING_KERNELS } from './kernel-check';
import { useBackend } from './kernel-test-support';
import { createTinyUNet, tinyBatch, tinyTrainStep } from './tiny-unet';

describe('checkTrainingKernels', () => {
  it('passes on wasm and cpu once our kernels are registered', async () => {
    await registerTrainingGradients();
    await useBackend('cpu');
    await useBackend('wasm');
    expect(missingKernels(TRAINING_KERNELS, 'wasm')).toEqual([]);
    expect(missingKernels(TRAINING_KERNELS, 'cpu')).toEqual([]);
    expect(() => checkTrainingKernels(TRAINING_KERNELS, 'wasm')).not.toThrow();
  });

  it('names a kernel the backend lacks', async () => {
    await useBackend('wasm');
    const ours = tf.getKernel('Conv2DBackpropFilter', 'wasm')!;
    tf.unregisterKernel('Conv2DBackpropFilter', 'wasm'); // as shipped by tfjs-backend-wasm 4.22
    try {
      expect(() => checkTrainingKernels(TRAINING_KERNELS, 'wasm')).toThrow(
        new MissingKernelsError('wasm', ['Conv2DBackpropFilter'], []),
      );
      expect(() => checkTrainingKernels(TRAINING_KERNELS, 'wasm')).toThrow("backend 'wasm' cannot train: missing kernels Conv2DBackpropFilter");
    } finally {
      tf.registerKernel(ours);
    }
  });

  it('names a forward kernel without a gradient', () => {
    expect(() => checkTrainingKernels([], 'cpu', ['Conv2D', 'NoSuchOp'])).toThrow('missing gradients of NoSuchOp');
  });

  it('lists every kernel a U-Net training step runs', async () => {
    await useBackend('cpu');
    const model = createTinyUNet({ width: 2, depth: 1, inChannels: 3, seed: 1 });
    const optimizer = tf.train.momentum(0.01, 0.9);
    const { x, mask } = tinyBatch(2, 8, 3, 1);
    tinyTrainStep(model, optimizer, x, mask); // creates the optimizer's slots outside the profile
    const used = await kernelsUsedBy(() => {
      tinyTrainStep(model, optimizer, x, mask);
      return [];
    });
    expect(used.filter((name) => !TRAINING_KERNELS.includes(name))).toEqual([]);
    model.dispose();
    optimizer.dispose();
    tf.dispose([x, mask]);
  });
});

afterAll(() => tf.disposeVariables());
