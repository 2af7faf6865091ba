/**
 * Shared by the kernel tests: seeded inputs, running one kernel on a named backend, and the
 * relative error they are judged by. Not used by application code.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BACKEND_CANDIDATES, type BackendId } from './candidates';

/** Makes `id` active the way initBackend would (our kernels registered), without gradients. */
export async function useBackend(id: BackendId): Promise<void> {
  const candidate = BACKEND_CANDIDATES.find((c) => c.id === id);
  if (!candidate) throw new Error(`no candidate ${id}`);
  await candidate.load();
}

/** Deterministic values in [-1, 1) (mulberry32), negative ones included on purpose. */
export function seededValues(count: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

export interface KernelInput {
  values: Float32Array;
  shape: number[];
}

/** Runs kernel `name` on backend `id` with fresh tensors; returns its output values and shape. */
export async function runKernelOn(
  id: BackendId,
  name: string,
  inputs: Record<string, KernelInput>,
  attrs: object,
): Promise<{ values: Float32Array; shape: number[] }> {
  await useBackend(id);
  const tensors = Object.fromEntries(Object.entries(inputs).map(([key, input]) => [key, tf.tensor(input.values, input.shape)]));
  const out = tf.engine().runKernel(name, tensors, attrs as tf.NamedAttrMap) as tf.Tensor;
  const result = { values: out.dataSync() as Float32Array, shape: out.shape };
  tf.dispose([out, ...Object.values(tensors)]);
  return result;
}

/** max |a - b| / max |b|: the error relative to the reference's scale. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return scale === 0 ? diff : diff / scale;
}
