/**
 * Calling the WebAssembly backend's own kernels from inside our kernels.
 *
 * A composed kernel runs inside one engine kernel call, so it must not go through tf ops
 * (they would record gradients and track tensors); it calls the other kernels' functions
 * directly on TensorInfos and frees every intermediate with `backend.disposeData`.
 */
import { getKernel, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export const WASM = 'wasm';

export function runWasmKernel(
  name: string,
  backend: BackendWasm,
  inputs: NamedTensorInfoMap,
  attrs: object = {},
): TensorInfo {
  const kernel = getKernel(name, WASM);
  if (!kernel) throw new Error(`the wasm backend has no '${name}' kernel, which a composed kernel needs`);
  const out = kernel.kernelFunc({ inputs, backend, attrs: attrs as NamedAttrMap });
  if (Array.isArray(out)) throw new Error(`kernel '${name}' returned several outputs where one was expected`);
  return out;
}

/** Frees intermediates made inside a kernel (a Reshape shares data and only drops a reference). */
export function disposeAll(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/**
 * A Float32Array over the whole wasm heap and the element offset of `info` in it, so that
 * copies between tensors can use `copyWithin` (no per-run subarray objects). Take it after
 * every allocation of the kernel: a heap growth detaches earlier views.
 */
export function heapView(backend: BackendWasm, info: TensorInfo): { heap: Float32Array; offset: number } {
  const view = backend.typedArrayFromHeap(info);
  if (!(view instanceof Float32Array)) throw new Error(`expected a float32 tensor, got ${info.dtype}`);
  return { heap: new Float32Array(view.buffer), offset: view.byteOffset / Float32Array.BYTES_PER_ELEMENT };
}
