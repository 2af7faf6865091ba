/**
 * Registers a kernel config in place of whatever the backend registered under that name.
 * tfjs warns and keeps going when a name is registered twice; unregistering first keeps
 * start-up quiet, and returning early on the same config makes repeated calls harmless.
 */
import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';

export function installKernel(config: KernelConfig): void {
  const existing = getKernel(config.kernelName, config.backendName);
  if (existing === config) return;
  if (existing) unregisterKernel(config.kernelName, config.backendName);
  registerKernel(config);
}
