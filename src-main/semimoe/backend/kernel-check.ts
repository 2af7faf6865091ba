/**
 * The start-up check that the chosen backend can train: every kernel a Semi-MoE training
 * step runs must be registered for it, and every forward kernel must have a gradient.
 * A missing one would otherwise fail mid-run, minutes in, with tfjs's terse message.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Kernels that a Semi-MoE training step runs (forward, backward and optimizer): the U-Net
 * experts (conv + BatchNorm in training mode + ReLU, 2x2 max-pool, nearest x2 upsampling,
 * skip concat, softmax / tanh heads), the gates (global average pool, linear layers, softmax,
 * dropout), the Dice / MSE / adaptive multi-objective losses and SGD with momentum.
 * `backend/tiny-unet.ts`'s step is profiled in the tests to keep this list complete.
 */
export const TRAINING_KERNELS: readonly string[] = [
  // forward
  'Conv2D', 'FusedBatchNorm', 'Relu', 'MaxPool', 'ResizeNearestNeighbor', 'Concat', 'Softmax', 'Tanh',
  'BatchMatMul', 'Mean', 'Sum', 'Max', 'Exp', 'Log', 'Add', 'Sub', 'Multiply', 'RealDiv', 'Square',
  'SquaredDifference', 'Rsqrt', 'Sqrt', 'Neg', 'Maximum', 'Minimum', 'Greater', 'GreaterEqual', 'Cast',
  'Reshape', 'Slice', 'Identity', 'Fill', 'ZerosLike', 'OnesLike', 'Transpose', 'Tile', 'ArgMax', 'OneHot',
  'SplitV', 'PadV2', 'Floor',
  // backward
  'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad', 'ResizeNearestNeighborGrad', 'Step',
];

/** Forward kernels whose gradient functions training relies on. */
export const TRAINING_GRADIENTS: readonly string[] = [
  'Conv2D', 'FusedBatchNorm', 'Relu', 'MaxPool', 'ResizeNearestNeighbor', 'Concat', 'Softmax', 'Tanh',
  'BatchMatMul', 'Mean', 'Sum', 'Exp', 'Log', 'Add', 'Sub', 'Multiply', 'RealDiv', 'Square',
  'SquaredDifference', 'Rsqrt', 'Reshape', 'Slice', 'Cast', 'Maximum',
];

export class MissingKernelsError extends Error {
  constructor(
    readonly backend: string,
    readonly missingKernels: readonly string[],
    readonly missingGradients: readonly string[],
  ) {
    const parts = [];
    if (missingKernels.length > 0) parts.push(`kernels ${missingKernels.join(', ')}`);
    if (missingGradients.length > 0) parts.push(`gradients of ${missingGradients.join(', ')}`);
    super(`backend '${backend}' cannot train: missing ${parts.join('; ')}`);
    this.name = 'MissingKernelsError';
  }
}

/** Kernels of `names` that `backend` has no registration for. */
export function missingKernels(names: readonly string[], backend: string): string[] {
  return names.filter((name) => tf.getKernel(name, backend) === undefined);
}

/**
 * Throws MissingKernelsError naming every kernel of `names` absent on `backend` (default: the
 * active one) and every forward kernel of `gradients` without a registered gradient.
 */
export function checkTrainingKernels(
  names: readonly string[] = TRAINING_KERNELS,
  backend: string = tf.getBackend(),
  gradients: readonly string[] = TRAINING_GRADIENTS,
): void {
  const kernels = missingKernels(names, backend);
  const grads = gradients.filter((name) => tf.getGradient(name) === undefined);
  if (kernels.length > 0 || grads.length > 0) throw new MissingKernelsError(backend, kernels, grads);
}

/** Distinct kernel names that `run` executes (via tf.profile); for keeping the lists honest. */
export async function kernelsUsedBy(run: () => tf.TensorContainer): Promise<string[]> {
  const info = await tf.profile(run);
  return [...new Set(info.kernelNames)].sort();
}
