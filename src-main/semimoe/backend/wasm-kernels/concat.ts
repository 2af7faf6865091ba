/**
 * A faster Concat for the WebAssembly backend (measured 7.5 ms where this takes ~1 for a U-Net
 * skip connection, 2 x [2,128,128,8] along channels); see copy-runs.ts for why. Float32 and
 * int32 only (copied bit for bit); other dtypes, and one-input calls, go to the original.
 */
import { Concat, util, type ConcatAttrs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapView, WASM } from './call-kernel';
import { copyRuns } from './copy-runs';

export function makeConcatConfig(original: KernelConfig): KernelConfig {
  function concat(args: Parameters<KernelFunc>[0]): TensorInfo | TensorInfo[] {
    const backend = args.backend as BackendWasm;
    const inputs = (args.inputs as unknown as TensorInfo[]).filter((t) => util.sizeFromShape(t.shape) > 0);
    const dtype = inputs[0]?.dtype;
    if (inputs.length < 2 || (dtype !== 'float32' && dtype !== 'int32') || inputs.some((t) => t.dtype !== dtype)) {
      return original.kernelFunc(args);
    }
    const axis = util.parseAxisParam((args.attrs as unknown as ConcatAttrs).axis, inputs[0].shape)[0];
    const outShape = [...inputs[0].shape];
    outShape[axis] = inputs.reduce((sum, t) => sum + t.shape[axis], 0);
    for (const t of inputs) {
      if (t.shape.length !== outShape.length || t.shape.some((size, k) => k !== axis && size !== outShape[k])) {
        return original.kernelFunc(args); // let the original report the mismatch its own way
      }
    }
    const out = backend.makeOutput(outShape, dtype);
    const { heap, offset: dst } = heapView(backend, { ...out, dtype: 'float32' }); // after the last allocation
    const outer = util.sizeFromShape(outShape.slice(0, axis));
    const outInner = util.sizeFromShape(outShape.slice(axis));
    let at = 0;
    for (const t of inputs) {
      const inner = util.sizeFromShape(t.shape.slice(axis));
      copyRuns(heap, heapView(backend, { ...t, dtype: 'float32' }).offset, inner, dst + at, outInner, inner, outer);
      at += inner;
    }
    return out;
  }
  return { kernelName: Concat, backendName: WASM, setupFunc: original.setupFunc, disposeFunc: original.disposeFunc, kernelFunc: concat as KernelFunc };
}
