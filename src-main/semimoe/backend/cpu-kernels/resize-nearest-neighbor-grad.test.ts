import { describe, expect, it } from 'vitest';
import { relativeError, runKernelOn, seededValues, type KernelInput } from '../kernel-test-support';

interface Case {
  images: [number, number, number, number];
  size: [number, number];
  alignCorners: boolean;
  halfPixelCenters: boolean;
}

const CASES: Case[] = [
  { images: [2, 4, 4, 3], size: [8, 8], alignCorners: false, halfPixelCenters: false }, // the U-Net's x2, batch 2
  { images: [3, 5, 3, 2], size: [8, 7], alignCorners: false, halfPixelCenters: false },
  { images: [2, 5, 4, 1], size: [9, 7], alignCorners: true, halfPixelCenters: false },
  { images: [2, 4, 6, 2], size: [7, 9], alignCorners: false, halfPixelCenters: true },
  { images: [2, 8, 8, 2], size: [5, 3], alignCorners: false, halfPixelCenters: false }, // shrinking
];

/**
 * The gradient by definition: resize an image of pixel numbers with the forward kernel to
 * learn which source pixel each output pixel copied, then add dy up along that map.
 */
async function referenceGrad(c: Case, dy: KernelInput): Promise<Float32Array> {
  const [batch, height, width, channels] = c.images;
  const pixels = batch * height * width;
  const ids = { values: Float32Array.from({ length: pixels }, (_, i) => i), shape: [batch, height, width, 1] };
  const attrs = { size: c.size, alignCorners: c.alignCorners, halfPixelCenters: c.halfPixelCenters };
  const source = (await runKernelOn('cpu', 'ResizeNearestNeighbor', { images: ids }, attrs)).values;
  const dx = new Float32Array(pixels * channels);
  source.forEach((pixel, out) => {
    for (let ch = 0; ch < channels; ch++) dx[pixel * channels + ch] += dy.values[out * channels + ch];
  });
  return dx;
}

describe('cpu ResizeNearestNeighborGrad', () => {
  it.each(CASES.map((c, i) => [`[${c.images}] -> ${c.size}, align ${c.alignCorners}, half-pixel ${c.halfPixelCenters}`, c, i] as const))(
    'scatters dy back onto the pixels the forward pass read: %s',
    async (_, c, i) => {
      const images = { values: seededValues(c.images.reduce((a, b) => a * b), 600 + i), shape: c.images };
      const dyShape = [c.images[0], c.size[0], c.size[1], c.images[3]];
      const dy = { values: seededValues(dyShape.reduce((a, b) => a * b), 700 + i), shape: dyShape };
      const attrs = { alignCorners: c.alignCorners, halfPixelCenters: c.halfPixelCenters };
      const ours = await runKernelOn('cpu', 'ResizeNearestNeighborGrad', { images, dy }, attrs);
      expect(relativeError(ours.values, await referenceGrad(c, dy))).toBeLessThan(1e-6);
    },
  );

  it('agrees with the wasm backend (whose kernel is right) on the U-Net case', async () => {
    const c = CASES[0];
    const images = { values: seededValues(96, 1), shape: c.images };
    const dy = { values: seededValues(384, 2), shape: [2, 8, 8, 3] };
    const attrs = { alignCorners: false, halfPixelCenters: false };
    const cpu = await runKernelOn('cpu', 'ResizeNearestNeighborGrad', { images, dy }, attrs);
    const wasm = await runKernelOn('wasm', 'ResizeNearestNeighborGrad', { images, dy }, attrs);
    expect(relativeError(cpu.values, wasm.values)).toBeLessThan(1e-6);
  });
});
