import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { relativeError, runKernelOn, seededValues, useBackend } from '../kernel-test-support';

const CASES: Array<[number[], number[]]> = [
  [[1, 1, 1, 8], [2, 16, 16, 1]], // BatchNorm gradient's tile
  [[3], [4]],
  [[2, 3], [3, 2]],
  [[2, 1, 3], [1, 4, 1]],
  [[2, 3, 2, 2], [2, 1, 3, 2]],
  [[1, 2, 1, 3, 2], [2, 1, 2, 1, 3]],
  [[4, 5], [1, 1]],
];

describe('wasm Tile', () => {
  it.each(CASES.map(([shape, reps], i) => [`[${shape}] x [${reps}]`, shape, reps, i] as const))(
    'matches the CPU backend: %s',
    async (_, shape, reps, i) => {
      const x = { values: seededValues(shape.reduce((a, b) => a * b), 800 + i), shape };
      const wasm = await runKernelOn('wasm', 'Tile', { x }, { reps });
      const cpu = await runKernelOn('cpu', 'Tile', { x }, { reps });
      expect(wasm.shape).toEqual(shape.map((s, axis) => s * reps[axis]));
      expect(relativeError(wasm.values, cpu.values)).toBe(0);
    },
  );
});

describe('wasm Tile on int32', () => {
  it('copies the integers bit for bit', async () => {
    await useBackend('wasm');
    const x = tf.tensor2d([1, -2, 2147483647, -2147483648], [2, 2], 'int32');
    const tiled = tf.tile(x, [2, 1]);
    expect(tiled.dtype).toBe('int32');
    expect(Array.from(tiled.dataSync())).toEqual([1, -2, 2147483647, -2147483648, 1, -2, 2147483647, -2147483648]);
    tf.dispose([x, tiled]);
  });
});
