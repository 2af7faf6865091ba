/**
 * MaxPoolGrad for the WebAssembly backend, replacing the backend's own.
 *
 * tfjs-backend-wasm 4.22 starts its running maximum at the smallest POSITIVE float instead of
 * -infinity, so a window whose values are all <= 0 sends its gradient to the wrong place
 * (measured: wrong on a random-normal input, where the CPU backend is right). Behind a ReLU
 * the error happens to vanish, but nothing should depend on that. This one routes each dy
 * to the first maximum of its window, as the CPU backend and TensorFlow do.
 */
import {
  backend_util,
  MaxPoolGrad,
  type KernelConfig,
  type KernelFunc,
  type MaxPoolGradAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapView, WASM } from './call-kernel';

type Shape4 = [number, number, number, number];

function maxPoolGrad(args: Parameters<KernelFunc>[0]): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as MaxPoolGradAttrs;
  if (input.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error('wasm MaxPoolGrad supports float32 only');
  const info = backend_util.computePool2DInfo(input.shape as Shape4, filterSize, strides, 1, pad, dimRoundingMode);
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;

  const dx = backend.makeOutput(input.shape, 'float32');
  const { heap, offset: dxAt } = heapView(backend, dx); // after the last allocation
  const xAt = heapView(backend, input).offset;
  const dyAt = heapView(backend, dy).offset;
  heap.fill(0, dxAt, dxAt + batchSize * inHeight * inWidth * channels);

  // Per output pixel, track every channel's maximum at once: the inner loop then walks
  // contiguous NHWC memory.
  const best = new Float32Array(channels);
  const bestAt = new Int32Array(channels);
  for (let n = 0; n < batchSize; n++) {
    for (let oy = 0; oy < outHeight; oy++) {
      const top = oy * info.strideHeight - info.padInfo.top;
      for (let ox = 0; ox < outWidth; ox++) {
        const left = ox * info.strideWidth - info.padInfo.left;
        best.fill(Number.NEGATIVE_INFINITY);
        bestAt.fill(-1);
        for (let y = Math.max(0, top); y < Math.min(inHeight, top + info.filterHeight); y++) {
          for (let x = Math.max(0, left); x < Math.min(inWidth, left + info.filterWidth); x++) {
            const pixel = ((n * inHeight + y) * inWidth + x) * channels;
            for (let c = 0; c < channels; c++) {
              const value = heap[xAt + pixel + c];
              if (value > best[c]) {
                best[c] = value;
                bestAt[c] = pixel + c;
              }
            }
          }
        }
        const dyPixel = dyAt + ((n * outHeight + oy) * outWidth + ox) * channels;
        for (let c = 0; c < channels; c++) {
          if (bestAt[c] >= 0) heap[dxAt + bestAt[c]] += heap[dyPixel + c];
        }
      }
    }
  }
  return dx;
}

export const maxPoolGradConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: WASM,
  kernelFunc: maxPoolGrad as KernelFunc,
};
