/**
 * Our kernels for the WebAssembly backend: one it lacks for training (Conv2DBackpropFilter),
 * one it gets wrong (MaxPoolGrad) and four it runs far slower than they can run
 * (Conv2DBackpropInput, Tile, Concat, SplitV). Call after '@tensorflow/tfjs-backend-wasm' is
 * imported (it registers its own kernels on import, and the replacements wrap the originals
 * for the cases they leave to them); calling again changes nothing.
 */
import { getKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { installKernel } from '../install-kernel';
import { WASM } from './call-kernel';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter';
import { makeConv2DBackpropInputConfig } from './conv2d-backprop-input';
import { makeConcatConfig } from './concat';
import { maxPoolGradConfig } from './max-pool-grad';
import { makeSplitVConfig } from './split-v';
import { makeTileConfig } from './tile';

/** Replacements that wrap the backend's original, made once from the original. */
const WRAPPERS: ReadonlyArray<[string, (original: KernelConfig) => KernelConfig]> = [
  ['Conv2DBackpropInput', makeConv2DBackpropInputConfig],
  ['Tile', makeTileConfig],
  ['Concat', makeConcatConfig],
  ['SplitV', makeSplitVConfig],
];
const wrapped = new Map<string, KernelConfig>();

/** Registers every kernel of this folder on 'wasm'; returns their names. */
export function registerWasmKernels(): string[] {
  const installed = [conv2DBackpropFilterConfig, maxPoolGradConfig];
  for (const [name, wrap] of WRAPPERS) {
    if (!wrapped.has(name)) {
      const original = getKernel(name, WASM);
      if (original) wrapped.set(name, wrap(original));
    }
    const config = wrapped.get(name);
    if (config) installed.push(config);
  }
  installed.forEach(installKernel);
  return installed.map((config) => config.kernelName);
}
