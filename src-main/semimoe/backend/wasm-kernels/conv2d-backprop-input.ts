/**
 * A faster Conv2DBackpropInput for the WebAssembly backend.
 *
 * The backend's own kernel is a plain C++ loop (measured 660 ms where the forward conv takes
 * 55 ms, 4x128x128x32 -> 32 3x3). For unit stride the input gradient is a forward convolution
 * of dy with the filter flipped in space and with its in/out channels swapped:
 *
 *   dx[n, y, x, c] = sum over (i, j, o) of dy[n, y + padTop - i, x + padLeft - j, o] * W[i, j, c, o]
 *                  = conv2d(dy, W'[u, v, o, c] = W[kh-1-u, kw-1-v, c, o]) with padding
 *                    (kh-1-padTop, kh-1-padBottom, kw-1-padLeft, kw-1-padRight)
 *
 * and the backend's forward Conv2D goes through XNNPACK. Strided (or otherwise unusual)
 * cases go to the backend's original kernel, which this config wraps.
 */
import {
  backend_util,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { disposeAll, heapView, runWasmKernel, WASM } from './call-kernel';

type Shape4 = [number, number, number, number];

/** Padding of the equivalent forward conv, or null where the flip trick does not apply. */
function flippedConvPadding(attrs: Conv2DBackpropInputAttrs, filterShape: Shape4): backend_util.ExplicitPadding | null {
  if (attrs.dataFormat === 'NCHW') return null;
  const info = backend_util.computeConv2DInfo(attrs.inputShape, filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  if (info.strideHeight !== 1 || info.strideWidth !== 1) return null;
  const { top, bottom, left, right } = info.padInfo;
  const pads = [info.filterHeight - 1 - top, info.filterHeight - 1 - bottom, info.filterWidth - 1 - left, info.filterWidth - 1 - right];
  if (pads.some((p) => p < 0)) return null;
  return [[0, 0], [pads[0], pads[1]], [pads[2], pads[3]], [0, 0]];
}

/**
 * W[kh, kw, C, O] -> W'[u, v, O, C] = W[kh-1-u, kw-1-v, C, O]. Flipping both spatial axes is
 * reversing the order of the kh*kw taps, so after a Transpose it is kh*kw block copies; the
 * backend's Reverse kernel would take ~26 ms on a 3x3x256x256 filter, this takes ~3.
 */
function flipAndSwapFilter(backend: BackendWasm, filter: TensorInfo): TensorInfo {
  const [kh, kw, inChannels, outChannels] = filter.shape;
  const swapped = runWasmKernel('Transpose', backend, { x: filter }, { perm: [0, 1, 3, 2] });
  const flipped = backend.makeOutput([kh, kw, outChannels, inChannels], 'float32');
  const { heap, offset: dst } = heapView(backend, flipped); // after the last allocation
  const src = heapView(backend, swapped).offset;
  const block = inChannels * outChannels;
  const taps = kh * kw;
  for (let t = 0; t < taps; t++) heap.copyWithin(dst + (taps - 1 - t) * block, src + t * block, src + (t + 1) * block);
  disposeAll(backend, swapped);
  return flipped;
}

export function makeConv2DBackpropInputConfig(original: KernelConfig): KernelConfig {
  function conv2DBackpropInput(args: Parameters<KernelFunc>[0]): TensorInfo | TensorInfo[] {
    const backend = args.backend as BackendWasm;
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const attrs = args.attrs as unknown as Conv2DBackpropInputAttrs;
    const padding = dy.dtype === 'float32' ? flippedConvPadding(attrs, filter.shape as Shape4) : null;
    if (padding === null) return original.kernelFunc(args);

    const flipped = flipAndSwapFilter(backend, filter);
    const dx = runWasmKernel('Conv2D', backend, { x: dy, filter: flipped }, {
      strides: 1,
      pad: padding,
      dataFormat: 'NHWC',
      dilations: 1,
      dimRoundingMode: attrs.dimRoundingMode,
    });
    // Conv2D caches an XNNPACK operator per filter; freeing `flipped` releases it too.
    disposeAll(backend, flipped);
    return dx;
  }
  return {
    kernelName: Conv2DBackpropInput,
    backendName: WASM,
    // The original's setup binds its C++ entry point, which the strided fallback still uses.
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: conv2DBackpropInput as KernelFunc,
  };
}
