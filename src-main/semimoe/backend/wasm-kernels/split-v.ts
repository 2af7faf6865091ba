/**
 * A faster SplitV for the WebAssembly backend: the gradient of every Concat, so of every
 * U-Net skip connection; see copy-runs.ts for why it is faster. Float32 and int32 only;
 * other dtypes go to the original.
 */
import { backend_util, SplitV, util, type KernelConfig, type KernelFunc, type SplitVAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapView, WASM } from './call-kernel';
import { copyRuns } from './copy-runs';

export function makeSplitVConfig(original: KernelConfig): KernelConfig {
  function splitV(args: Parameters<KernelFunc>[0]): TensorInfo | TensorInfo[] {
    const backend = args.backend as BackendWasm;
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype !== 'float32' && x.dtype !== 'int32') return original.kernelFunc(args);
    const { numOrSizeSplits, axis: rawAxis } = args.attrs as unknown as SplitVAttrs;
    const axis = util.parseAxisParam(rawAxis, x.shape)[0];
    const sizes = backend_util.prepareSplitSize(x, numOrSizeSplits, axis);
    const outs = sizes.map((size) => {
      const shape = [...x.shape];
      shape[axis] = size;
      return backend.makeOutput(shape, x.dtype);
    });
    const { heap, offset: src } = heapView(backend, { ...x, dtype: 'float32' }); // after the last allocation
    const outer = util.sizeFromShape(x.shape.slice(0, axis));
    const inInner = util.sizeFromShape(x.shape.slice(axis));
    let at = 0;
    for (const out of outs) {
      const inner = util.sizeFromShape(out.shape.slice(axis));
      if (inner > 0) copyRuns(heap, src + at, inInner, heapView(backend, { ...out, dtype: 'float32' }).offset, inner, inner, outer);
      at += inner;
    }
    return outs;
  }
  return { kernelName: SplitV, backendName: WASM, setupFunc: original.setupFunc, disposeFunc: original.disposeFunc, kernelFunc: splitV as KernelFunc };
}
