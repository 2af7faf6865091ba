/**
 * ResizeNearestNeighborGrad for the plain CPU backend, replacing the backend's own.
 *
 * tfjs-backend-cpu 4.22 reads dy at the batch offset of the *input* image (its stride is
 * images' H*W*C, not dy's), so for a batch of more than one image every image after the first
 * gets the gradient of the wrong pixels (measured: batch 2, x2 upsampling). It also ignores
 * halfPixelCenters. This one scatters each dy pixel back onto the source pixel the forward
 * pass read, with the forward pass's own index arithmetic, so it is right by construction.
 */
import {
  ResizeNearestNeighborGrad,
  type KernelConfig,
  type KernelFunc,
  type ResizeNearestNeighborGradAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

export const CPU = 'cpu';

/** The source index the forward resize reads for output index `out` along one axis. */
function sourceIndex(out: number, inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): number {
  const aligned = alignCorners && outSize > 1;
  const ratio = (aligned ? inSize - 1 : inSize) / (aligned ? outSize - 1 : outSize);
  const frac = halfPixelCenters ? ratio * (out + 0.5) : ratio * out;
  const nearest = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
  return halfPixelCenters ? Math.max(0, nearest) : nearest;
}

function resizeNearestNeighborGrad(args: Parameters<KernelFunc>[0]): TensorInfo {
  const backend = args.backend as MathBackendCPU;
  const { images, dy } = args.inputs as { images: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as unknown as ResizeNearestNeighborGradAttrs;
  const alignCorners = attrs.alignCorners === true;
  const halfPixelCenters = attrs.halfPixelCenters === true;
  const [batch, inHeight, inWidth, channels] = images.shape;
  const [, outHeight, outWidth] = dy.shape;
  const dyValues = backend.data.get(dy.dataId).values as Float32Array;
  const dx = new Float32Array(batch * inHeight * inWidth * channels);

  const rows = Array.from({ length: outHeight }, (_, y) => sourceIndex(y, inHeight, outHeight, alignCorners, halfPixelCenters));
  const cols = Array.from({ length: outWidth }, (_, x) => sourceIndex(x, inWidth, outWidth, alignCorners, halfPixelCenters));
  let from = 0;
  for (let n = 0; n < batch; n++) {
    for (let y = 0; y < outHeight; y++) {
      const rowStart = (n * inHeight + rows[y]) * inWidth;
      for (let x = 0; x < outWidth; x++) {
        const to = (rowStart + cols[x]) * channels;
        for (let c = 0; c < channels; c++) dx[to + c] += dyValues[from++];
      }
    }
  }
  return backend.makeTensorInfo(images.shape, 'float32', dx);
}

export const resizeNearestNeighborGradCpuConfig: KernelConfig = {
  kernelName: ResizeNearestNeighborGrad,
  backendName: CPU,
  kernelFunc: resizeNearestNeighborGrad as KernelFunc,
};
