/**
 * The copy loop behind our Concat and SplitV: `count` runs of `length` floats, run k from
 * heap[src + k * srcStride] to heap[dst + k * dstStride]. Concatenating or splitting along the
 * channel axis of an NHWC activation is tens of thousands of runs of 8 to 64 floats; the
 * backend's versions make a subarray object and a set() call per run, which dominates at these
 * lengths, so short runs are copied element by element and long ones with copyWithin.
 */
const SHORT_RUN = 64;

export function copyRuns(heap: Float32Array, src: number, srcStride: number, dst: number, dstStride: number, length: number, count: number): void {
  if (length >= SHORT_RUN) {
    for (let k = 0; k < count; k++) heap.copyWithin(dst + k * dstStride, src + k * srcStride, src + k * srcStride + length);
    return;
  }
  for (let k = 0; k < count; k++) {
    const from = src + k * srcStride;
    const to = dst + k * dstStride;
    for (let i = 0; i < length; i++) heap[to + i] = heap[from + i];
  }
}
