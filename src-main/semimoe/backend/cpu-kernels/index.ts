/**
 * Our kernels for the plain CPU backend: corrections of kernels it has but gets wrong for
 * training. Each replaces the backend's own; calling again changes nothing.
 */
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { installKernel } from '../install-kernel';
import { resizeNearestNeighborGradCpuConfig } from './resize-nearest-neighbor-grad';

const CPU_KERNELS: readonly KernelConfig[] = [resizeNearestNeighborGradCpuConfig];

/** Registers every kernel of this folder on 'cpu'; returns their names. */
export function registerCpuKernels(): string[] {
  CPU_KERNELS.forEach(installKernel);
  return CPU_KERNELS.map((config) => config.kernelName);
}
