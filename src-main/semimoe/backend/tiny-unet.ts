/**
 * A small U-Net with every kind of layer the Semi-MoE experts use (3x3 conv, BatchNorm in
 * training mode, ReLU, 2x2 max-pool, nearest-neighbour x2 upsampling, skip concat, 1x1 conv
 * heads with softmax and tanh). It is a probe, not the model: it exercises and times the
 * training kernels of a backend (the trainer's selftest job, bench/train-step.ts, and the test
 * that the kernel check's list is complete). Built on tfjs-core alone, seeded, deterministic.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface TinyUNetConfig {
  /** Channels of the first level; each level down doubles them. */
  readonly width: number;
  /** Number of 2x2 max-pools; the input side must be divisible by 2^depth. */
  readonly depth: number;
  readonly inChannels: number;
  readonly seed: number;
}

export const DEFAULT_TINY_UNET: TinyUNetConfig = { width: 8, depth: 2, inChannels: 3, seed: 1 };

interface ConvBn {
  filter: tf.Variable;
  gamma: tf.Variable;
  beta: tf.Variable;
}

export interface TinyUNet {
  readonly config: TinyUNetConfig;
  readonly variables: tf.Variable[];
  /** Segmentation logits [N, H, W, 2] and signed-distance output [N, H, W, 1] (tanh). */
  forward(x: tf.Tensor4D): { segLogits: tf.Tensor4D; sdf: tf.Tensor4D };
  /** Soft Dice of the foreground plus MSE of the SDF head against 2 * mask - 1. */
  loss(x: tf.Tensor4D, mask: tf.Tensor4D): tf.Scalar;
  dispose(): void;
}

export function createTinyUNet(config: TinyUNetConfig = DEFAULT_TINY_UNET): TinyUNet {
  let seed = config.seed;
  const variables: tf.Variable[] = [];
  const variable = (t: tf.Tensor) => {
    const v = tf.variable(t, true);
    t.dispose();
    variables.push(v);
    return v;
  };
  // Kaiming (fan-in) init; each tensor gets the next seed so the whole model is reproducible.
  const convBn = (size: number, cin: number, cout: number): ConvBn => ({
    filter: variable(tf.randomNormal([size, size, cin, cout], 0, Math.sqrt(2 / (size * size * cin)), 'float32', seed++)),
    gamma: variable(tf.ones([cout])),
    beta: variable(tf.zeros([cout])),
  });
  const head = (cin: number, cout: number) => ({
    filter: variable(tf.randomNormal([1, 1, cin, cout], 0, Math.sqrt(1 / cin), 'float32', seed++)),
    bias: variable(tf.zeros([cout])),
  });

  const w = config.width;
  const widths = Array.from({ length: config.depth + 1 }, (_, level) => w * 2 ** level);
  const down = widths.map((c, level) => [convBn(3, level === 0 ? config.inChannels : widths[level - 1], c), convBn(3, c, c)]);
  const up = widths.slice(0, -1).map((c, level) => ({
    upConv: convBn(3, widths[level + 1], c),
    block: [convBn(3, 2 * c, c), convBn(3, c, c)],
  }));
  const segHead = head(w, 2);
  const sdfHead = head(w, 1);

  const apply = (x: tf.Tensor4D, layer: ConvBn): tf.Tensor4D => {
    const y = tf.conv2d(x, layer.filter as tf.Tensor4D, 1, 'same');
    const { mean, variance } = tf.moments(y, [0, 1, 2]);
    return tf.relu(tf.batchNorm4d(y, mean as tf.Tensor1D, variance as tf.Tensor1D, layer.beta as tf.Tensor1D, layer.gamma as tf.Tensor1D, 1e-5));
  };
  const block = (x: tf.Tensor4D, layers: ConvBn[]) => layers.reduce(apply, x);

  function forward(x: tf.Tensor4D) {
    const skips: tf.Tensor4D[] = [];
    let h = x;
    for (let level = 0; level <= config.depth; level++) {
      if (level > 0) h = tf.maxPool(h, 2, 2, 'valid');
      h = block(h, down[level]);
      skips.push(h);
    }
    for (let level = config.depth - 1; level >= 0; level--) {
      const [height, width] = [h.shape[1] * 2, h.shape[2] * 2];
      h = apply(tf.image.resizeNearestNeighbor(h, [height, width]), up[level].upConv);
      h = block(tf.concat([skips[level], h], 3), up[level].block);
    }
    const segLogits = tf.add(tf.conv2d(h, segHead.filter as tf.Tensor4D, 1, 'valid'), segHead.bias) as tf.Tensor4D;
    const sdf = tf.tanh(tf.add(tf.conv2d(h, sdfHead.filter as tf.Tensor4D, 1, 'valid'), sdfHead.bias)) as tf.Tensor4D;
    return { segLogits, sdf };
  }

  function loss(x: tf.Tensor4D, mask: tf.Tensor4D): tf.Scalar {
    return tf.tidy(() => {
      const { segLogits, sdf } = forward(x);
      const foreground = tf.slice(tf.softmax(segLogits), [0, 0, 0, 1], [-1, -1, -1, 1]);
      const overlap = tf.sum(tf.mul(foreground, mask));
      const dice = tf.div(tf.add(tf.mul(overlap, 2), 1), tf.add(tf.add(tf.sum(tf.square(foreground)), tf.sum(tf.square(mask))), 1));
      const sdfLoss = tf.mean(tf.squaredDifference(sdf, tf.sub(tf.mul(mask, 2), 1)));
      return tf.add(tf.sub(1, dice), sdfLoss) as tf.Scalar;
    });
  }

  return { config, variables, forward, loss, dispose: () => variables.forEach((v) => v.dispose()) };
}

/** A deterministic batch: images in [0, 1) and a 0/1 mask thresholded from them, both [N, S, S, *]. */
export function tinyBatch(batch: number, size: number, inChannels: number, seed: number): { x: tf.Tensor4D; mask: tf.Tensor4D } {
  return tf.tidy(() => {
    const x = tf.randomUniform([batch, size, size, inChannels], 0, 1, 'float32', seed) as tf.Tensor4D;
    const blob = tf.mean(x, 3, true);
    const mask = tf.cast(tf.greater(blob, 0.5), 'float32') as tf.Tensor4D;
    return { x, mask };
  });
}

/** One SGD-with-momentum step; returns the loss before the update. */
export function tinyTrainStep(model: TinyUNet, optimizer: tf.Optimizer, x: tf.Tensor4D, mask: tf.Tensor4D): number {
  const cost = optimizer.minimize(() => model.loss(x, mask), true, model.variables);
  if (!cost) throw new Error('optimizer returned no cost');
  const value = cost.dataSync()[0];
  cost.dispose();
  return value;
}
