import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { relativeError, runKernelOn, seededValues, useBackend } from '../kernel-test-support';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

interface Case {
  x: [number, number, number, number];
  outChannels: number;
  kernel: number;
  pad: Pad;
  stride: number;
}

const CASES: Case[] = [
  { x: [2, 8, 8, 3], outChannels: 4, kernel: 3, pad: 'same', stride: 1 },
  { x: [1, 7, 9, 2], outChannels: 3, kernel: 3, pad: 'valid', stride: 1 },
  { x: [3, 6, 5, 4], outChannels: 2, kernel: 1, pad: 'same', stride: 1 },
  { x: [2, 5, 6, 3], outChannels: 5, kernel: 1, pad: 'valid', stride: 1 },
  { x: [2, 9, 9, 3], outChannels: 5, kernel: 3, pad: 'same', stride: 2 },
  { x: [1, 10, 7, 2], outChannels: 3, kernel: 3, pad: 'valid', stride: 2 },
  { x: [2, 16, 16, 8], outChannels: 8, kernel: 3, pad: 'same', stride: 1 },
  { x: [1, 6, 6, 2], outChannels: 2, kernel: 5, pad: 'same', stride: 1 },
  { x: [2, 6, 7, 2], outChannels: 3, kernel: 3, pad: [[0, 0], [1, 2], [0, 1], [0, 0]], stride: 1 },
];

function label(c: Case): string {
  return `x [${c.x}] -> ${c.outChannels}, ${c.kernel}x${c.kernel}, ${typeof c.pad === 'string' ? c.pad : 'explicit'}, stride ${c.stride}`;
}

describe('wasm Conv2DBackpropFilter', () => {
  it.each(CASES.map((c, i) => [label(c), c, i] as const))('matches the CPU backend: %s', async (_, c, i) => {
    const filterShape = [c.kernel, c.kernel, c.x[3], c.outChannels] as [number, number, number, number];
    const info = tf.backend_util.computeConv2DInfo(c.x, filterShape, c.stride, 1, c.pad);
    const x = { values: seededValues(c.x.reduce((a, b) => a * b), 10 + i), shape: c.x };
    const dy = { values: seededValues(info.outShape.reduce((a, b) => a * b), 100 + i), shape: info.outShape };
    const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape };

    const wasm = await runKernelOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs);
    const cpu = await runKernelOn('cpu', 'Conv2DBackpropFilter', { x, dy }, attrs);
    expect(wasm.shape).toEqual(filterShape);
    expect(relativeError(wasm.values, cpu.values)).toBeLessThan(1e-4);
  });

  it('frees every intermediate it makes', async () => {
    await useBackend('wasm');
    const x = tf.tensor4d(seededValues(2 * 8 * 8 * 3, 1), [2, 8, 8, 3]);
    const dy = tf.tensor4d(seededValues(2 * 8 * 8 * 4, 2), [2, 8, 8, 4]);
    const before = tf.backend().numDataIds();
    const dW = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 4] } as never) as tf.Tensor;
    expect(tf.backend().numDataIds()).toBe(before + 1);
    tf.dispose([x, dy, dW]);
  });
});
