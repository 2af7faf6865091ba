import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { relativeError, seededValues, useBackend } from '../kernel-test-support';

const CASES: Array<{ shapes: number[][]; axis: number }> = [
  { shapes: [[2, 8, 8, 4], [2, 8, 8, 4]], axis: 3 }, // a skip connection
  { shapes: [[2, 4, 4, 3], [2, 4, 4, 70]], axis: -1 }, // a long run beside a short one
  { shapes: [[2, 3], [2, 1], [2, 4]], axis: 1 },
  { shapes: [[1, 3], [2, 3]], axis: 0 },
  { shapes: [[2, 0, 3], [2, 2, 3]], axis: 1 }, // an empty input
];

/** Concat and, through its gradient, SplitV on one backend. */
async function concatAndSplit(backend: 'wasm' | 'cpu', shapes: number[][], axis: number) {
  await useBackend(backend);
  const xs = shapes.map((shape, i) => tf.tensor(seededValues(shape.reduce((a, b) => a * b, 1), 900 + i), shape));
  const joined = tf.concat(xs, axis);
  const pieces = tf.split(joined, shapes.map((s) => s[axis < 0 ? s.length + axis : axis]), axis);
  const result = { joined: joined.dataSync() as Float32Array, shape: joined.shape, pieces: pieces.map((p) => p.dataSync() as Float32Array) };
  tf.dispose([...xs, joined, ...pieces]);
  return result;
}

describe('wasm Concat and SplitV', () => {
  it.each(CASES.map((c) => [`${JSON.stringify(c.shapes)} on axis ${c.axis}`, c] as const))('match the CPU backend: %s', async (_, c) => {
    const wasm = await concatAndSplit('wasm', c.shapes, c.axis);
    const cpu = await concatAndSplit('cpu', c.shapes, c.axis);
    expect(wasm.shape).toEqual(cpu.shape);
    expect(relativeError(wasm.joined, cpu.joined)).toBe(0);
    wasm.pieces.forEach((piece, i) => expect(relativeError(piece, cpu.pieces[i])).toBe(0));
  });

  it('keep int32 values exact', async () => {
    await useBackend('wasm');
    const a = tf.tensor2d([1, 2147483647], [1, 2], 'int32');
    const b = tf.tensor2d([-2147483648], [1, 1], 'int32');
    const joined = tf.concat([a, b], 1);
    expect(Array.from(joined.dataSync())).toEqual([1, 2147483647, -2147483648]);
    const [left] = tf.split(joined, [2, 1], 1);
    expect(Array.from(left.dataSync())).toEqual([1, 2147483647]);
    tf.dispose([a, b, joined, left]);
  });
});
