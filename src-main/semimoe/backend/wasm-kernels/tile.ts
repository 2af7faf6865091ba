/**
 * A faster Tile for the WebAssembly backend.
 *
 * The backend's own Tile computes every output element's source index in C++ (19 ms for a
 * [1,1,1,8] -> [2,128,128,8] tile); tfjs-core's BatchNorm gradient tiles the per-channel
 * factor to the full activation shape on every BN layer, which made Tile the largest cost of
 * a Semi-MoE training step (2.5 s of 8.3). Tiling is replication of contiguous blocks: lay
 * out the innermost axis, then repeat ever larger blocks outward, each by doubling
 * `copyWithin` calls (memmove), so the work is a few bulk copies per block.
 *
 * Float32 and int32 (4-byte elements, copied bit for bit); other dtypes go to the original.
 */
import { Tile, util, type KernelConfig, type KernelFunc, type TensorInfo, type TileAttrs } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapView, WASM } from './call-kernel';

/** Fills heap[start + length .. start + length * times) with copies of heap[start .. start + length). */
function repeatBlock(heap: Float32Array, start: number, length: number, times: number): void {
  const total = length * times;
  for (let filled = length; filled < total; ) {
    const count = Math.min(filled, total - filled);
    heap.copyWithin(start + filled, start, start + count);
    filled += count;
  }
}

/** Calls visit(inputIndex, outputOffset) for every index of the first `axes` input axes. */
function forEachOuter(shape: number[], outStrides: number[], axes: number, visit: (index: number, offset: number) => void): void {
  const count = util.sizeFromShape(shape.slice(0, axes));
  const digits = new Array<number>(axes).fill(0);
  let offset = 0;
  for (let index = 0; index < count; index++) {
    visit(index, offset);
    // Odometer increment over axes 0..axes-1, keeping the output offset in step.
    for (let k = axes - 1; k >= 0; k--) {
      digits[k]++;
      offset += outStrides[k];
      if (digits[k] < shape[k]) break;
      offset -= digits[k] * outStrides[k];
      digits[k] = 0;
    }
  }
}

export function makeTileConfig(original: KernelConfig): KernelConfig {
  function tile(args: Parameters<KernelFunc>[0]): TensorInfo | TensorInfo[] {
    const backend = args.backend as BackendWasm;
    const { x } = args.inputs as { x: TensorInfo };
    const { reps } = args.attrs as unknown as TileAttrs;
    const rank = x.shape.length;
    if ((x.dtype !== 'float32' && x.dtype !== 'int32') || rank === 0 || util.sizeFromShape(x.shape) === 0) {
      return original.kernelFunc(args);
    }
    const outShape = x.shape.map((size, axis) => size * reps[axis]);
    const out = backend.makeOutput(outShape, x.dtype);
    if (util.sizeFromShape(outShape) === 0) return out;
    // Reinterpreting int32 as float32 is fine: copyWithin moves bytes, it does not convert.
    const { heap, offset: dst } = heapView(backend, { ...out, dtype: 'float32' }); // after the last allocation
    const src = heapView(backend, { ...x, dtype: 'float32' }).offset;
    const outStrides = [...util.computeStrides(outShape), 1];

    // Innermost axis: each input row, repeated, at its place in the output.
    const row = x.shape[rank - 1];
    forEachOuter(x.shape, outStrides, rank - 1, (index, offset) => {
      heap.copyWithin(dst + offset, src + index * row, src + (index + 1) * row);
      repeatBlock(heap, dst + offset, row, reps[rank - 1]);
    });
    // Outward: the block an axis spans (built by the step before) repeated along that axis.
    for (let axis = rank - 2; axis >= 0; axis--) {
      if (reps[axis] === 1) continue;
      const block = x.shape[axis] * outStrides[axis];
      forEachOuter(x.shape, outStrides, axis, (_, offset) => repeatBlock(heap, dst + offset, block, reps[axis]));
    }
    return out;
  }
  return {
    kernelName: Tile,
    backendName: WASM,
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: tile as KernelFunc,
  };
}
