import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { relativeError, runKernelOn, seededValues } from '../kernel-test-support';

interface Case {
  x: [number, number, number, number];
  size: number;
  stride: number;
  pad: 'same' | 'valid';
}

const CASES: Case[] = [
  { x: [2, 8, 8, 3], size: 2, stride: 2, pad: 'valid' }, // the U-Net's pool
  { x: [1, 7, 9, 2], size: 2, stride: 2, pad: 'same' },
  { x: [2, 6, 6, 4], size: 3, stride: 1, pad: 'same' },
  { x: [1, 9, 9, 1], size: 3, stride: 2, pad: 'valid' },
];

describe('wasm MaxPoolGrad', () => {
  it.each(CASES.map((c, i) => [`x [${c.x}] pool ${c.size} stride ${c.stride} ${c.pad}`, c, i] as const))(
    'matches the CPU backend on inputs with negative windows: %s',
    async (_, c, i) => {
      const info = tf.backend_util.computePool2DInfo(c.x, c.size, c.stride, 1, c.pad);
      // Values in [-1, 1): many windows are all negative, which the backend's own kernel gets wrong.
      const xValues = seededValues(c.x.reduce((a, b) => a * b), 400 + i);
      const x = { values: xValues, shape: c.x };
      const dy = { values: seededValues(info.outShape.reduce((a, b) => a * b), 500 + i), shape: info.outShape };
      const attrs = { filterSize: c.size, strides: c.stride, pad: c.pad };
      // MaxPoolGrad also takes the forward output; compute it on the CPU backend.
      const output = await runKernelOn('cpu', 'MaxPool', { x }, attrs);
      const inputs = { dy, input: x, output };

      const wasm = await runKernelOn('wasm', 'MaxPoolGrad', inputs, attrs);
      const cpu = await runKernelOn('cpu', 'MaxPoolGrad', inputs, attrs);
      expect(wasm.shape).toEqual(c.x);
      expect(relativeError(wasm.values, cpu.values)).toBeLessThan(1e-6);
    },
  );
});
