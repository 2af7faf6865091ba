/**
 * The Semi-MoE network: three U-Net experts and the multi-gating fusion (MGPL), written with
 * plain tfjs-core ops and tf.variable so every weight and every shape is visible.
 *
 * Read top to bottom: parameters -> layers (conv, batch norm) -> U-Net expert -> gate -> model.
 * Tensors are NHWC throughout: [batch B, height H, width W, channels C].
 */
import * as tf from '@tensorflow/tfjs-core';
import { gateHidden, levelWidth, type SemiMoeConfig } from './config';
import { createRng, deriveSeed, dropoutMask, normalArray, type Rng } from './random';

export const EXPERTS = ['seg', 'sdf', 'bnd'] as const;
export type ExpertName = (typeof EXPERTS)[number];
export const TASKS = ['mask', 'sdf', 'bnd'] as const;
export type TaskName = (typeof TASKS)[number];

/** Output channels of each expert's own head and of each task head (softmax 2, tanh 1, softmax 2). */
const EXPERT_CHANNELS: Record<ExpertName, number> = { seg: 2, sdf: 1, bnd: 2 };
const TASK_CHANNELS: Record<TaskName, number> = { mask: 2, sdf: 1, bnd: 2 };

export interface SemiMoeOutputs {
  /** Logits of each expert's own 1x1 head: seg [B,H,W,2], sdf [B,H,W,1], bnd [B,H,W,2]. */
  experts: { seg: tf.Tensor4D; sdf: tf.Tensor4D; bnd: tf.Tensor4D };
  /** Logits of the task heads on the gated (fused) features: mask [B,H,W,2], sdf [B,H,W,1], bnd [B,H,W,2]. */
  gated: { mask: tf.Tensor4D; sdf: tf.Tensor4D; bnd: tf.Tensor4D };
  /** Per task, [B, 3]: softmax weights over the experts in EXPERTS order (seg, sdf, bnd). */
  gateWeights: { mask: tf.Tensor2D; sdf: tf.Tensor2D; bnd: tf.Tensor2D };
}

// ---------------------------------------------------------------------------------------------
// Parameters

/** Engine-wide variable names must be unique; each model instance gets its own prefix. */
let instanceCounter = 0;

/**
 * Creates and owns a model's variables. Each has a stable logical name ("expert.seg.enc0.conv1.kernel")
 * used in checkpoints, and is initialised from its own seeded stream, so init does not depend
 * on creation order.
 */
class ParamStore {
  readonly byName = new Map<string, tf.Variable>();
  private readonly prefix = `semimoe${++instanceCounter}/`;

  constructor(private readonly seed: number) {}

  /** Kaiming (He) normal init for fan-in `fanIn`: std = sqrt(2 / fanIn), right for ReLU nets. */
  kaiming(name: string, shape: number[], fanIn: number): tf.Variable {
    const rng = createRng(deriveSeed(this.seed, name));
    const values = normalArray(rng, shape.reduce((a, b) => a * b, 1), Math.sqrt(2 / fanIn));
    return this.add(name, tf.tensor(values, shape), true);
  }

  constant(name: string, shape: number[], value: number, trainable = true): tf.Variable {
    return this.add(name, tf.fill(shape, value), trainable);
  }

  private add(name: string, init: tf.Tensor, trainable: boolean): tf.Variable {
    if (this.byName.has(name)) throw new Error(`duplicate parameter ${name}`);
    const v = tf.variable(init, trainable, this.prefix + name);
    init.dispose();
    this.byName.set(name, v);
    return v;
  }

  /** Trainable variables whose logical name starts with `prefix`. */
  group(prefix: string): tf.Variable[] {
    return [...this.byName].filter(([n, v]) => n.startsWith(prefix) && v.trainable).map(([, v]) => v);
  }
}

// ---------------------------------------------------------------------------------------------
// Layers

/** 3x3 conv (no bias: the BatchNorm after it has its own shift) + BatchNorm + ReLU. */
interface ConvBnParams {
  kernel: tf.Variable; // [3, 3, Cin, Cout]
  gamma: tf.Variable; // [Cout] BN scale, init 1
  beta: tf.Variable; // [Cout] BN shift, init 0
  runningMean: tf.Variable; // [Cout] not trainable, init 0
  runningVar: tf.Variable; // [Cout] not trainable, init 1
}

function makeConvBn(p: ParamStore, name: string, cin: number, cout: number): ConvBnParams {
  return {
    kernel: p.kaiming(`${name}.kernel`, [3, 3, cin, cout], 3 * 3 * cin),
    gamma: p.constant(`${name}.bn.gamma`, [cout], 1),
    beta: p.constant(`${name}.bn.beta`, [cout], 0),
    runningMean: p.constant(`${name}.bn.runningMean`, [cout], 0, false),
    runningVar: p.constant(`${name}.bn.runningVar`, [cout], 1, false),
  };
}

interface Conv1x1Params {
  kernel: tf.Variable; // [1, 1, Cin, Cout]
  bias: tf.Variable; // [Cout]
}

function makeConv1x1(p: ParamStore, name: string, cin: number, cout: number): Conv1x1Params {
  return { kernel: p.kaiming(`${name}.kernel`, [1, 1, cin, cout], cin), bias: p.constant(`${name}.bias`, [cout], 0) };
}

interface LinearParams {
  weight: tf.Variable; // [In, Out]
  bias: tf.Variable; // [Out]
}

function makeLinear(p: ParamStore, name: string, cin: number, cout: number): LinearParams {
  return { weight: p.kaiming(`${name}.weight`, [cin, cout], cin), bias: p.constant(`${name}.bias`, [cout], 0) };
}

const linear = (x: tf.Tensor2D, l: LinearParams): tf.Tensor2D => tf.add(tf.matMul(x, l.weight as tf.Tensor2D), l.bias);

const conv1x1 = (x: tf.Tensor4D, c: Conv1x1Params): tf.Tensor4D => tf.add(tf.conv2d(x, c.kernel as tf.Tensor4D, 1, 'same'), c.bias);

/**
 * BatchNorm over N, H, W. Training: normalise with the batch's statistics and move the running
 * statistics towards them (PyTorch rule, unbiased variance); inference: use the running ones.
 * The running update is a side effect on non-trainable variables; `assign` takes its own
 * reference to the new value, so the tidy below frees everything else.
 */
function batchNorm(x: tf.Tensor4D, p: ConvBnParams, training: boolean, c: SemiMoeConfig): tf.Tensor4D {
  if (!training) return tf.batchNorm4d(x, p.runningMean as tf.Tensor1D, p.runningVar as tf.Tensor1D, p.beta as tf.Tensor1D, p.gamma as tf.Tensor1D, c.bnEpsilon);
  const { mean, variance } = tf.moments(x, [0, 1, 2]); // [C] each, biased variance
  tf.tidy(() => {
    const n = x.shape[0] * x.shape[1] * x.shape[2];
    const unbiased = n > 1 ? tf.mul(variance, n / (n - 1)) : variance;
    p.runningMean.assign(tf.add(tf.mul(p.runningMean, 1 - c.bnMomentum), tf.mul(mean, c.bnMomentum)));
    p.runningVar.assign(tf.add(tf.mul(p.runningVar, 1 - c.bnMomentum), tf.mul(unbiased, c.bnMomentum)));
  });
  return tf.batchNorm4d(x, mean as tf.Tensor1D, variance as tf.Tensor1D, p.beta as tf.Tensor1D, p.gamma as tf.Tensor1D, c.bnEpsilon);
}

function convBnRelu(x: tf.Tensor4D, p: ConvBnParams, training: boolean, c: SemiMoeConfig): tf.Tensor4D {
  return tf.relu(batchNorm(tf.conv2d(x, p.kernel as tf.Tensor4D, 1, 'same'), p, training, c));
}

type DoubleConvParams = [ConvBnParams, ConvBnParams];

function makeDoubleConv(p: ParamStore, name: string, cin: number, cout: number): DoubleConvParams {
  return [makeConvBn(p, `${name}.conv1`, cin, cout), makeConvBn(p, `${name}.conv2`, cout, cout)];
}

function doubleConv(x: tf.Tensor4D, p: DoubleConvParams, training: boolean, c: SemiMoeConfig): tf.Tensor4D {
  return convBnRelu(convBnRelu(x, p[0], training, c), p[1], training, c);
}

/** [B, H, W, C] -> [B, 2H, 2W, C], each pixel copied into a 2x2 block. */
function upsample2(x: tf.Tensor4D): tf.Tensor4D {
  return tf.image.resizeNearestNeighbor(x, [x.shape[1] * 2, x.shape[2] * 2]);
}

// ---------------------------------------------------------------------------------------------
// U-Net expert

/**
 * A plain U-Net. Encoder level l has width w * 2^l at resolution H / 2^l (l = 0..depth; the
 * last level is the bottleneck). Decoder level l: upsample x2, 3x3 conv+BN+ReLU down to the
 * width of level l, concat the encoder's skip, double conv.
 */
class UNetExpert {
  private readonly encoder: DoubleConvParams[] = [];
  private readonly upConvs: ConvBnParams[] = [];
  private readonly decoder: DoubleConvParams[] = [];
  private readonly head: Conv1x1Params;

  constructor(
    p: ParamStore,
    name: string,
    private readonly config: SemiMoeConfig,
    outChannels: number,
  ) {
    const c = config;
    for (let l = 0; l <= c.depth; l++) {
      this.encoder.push(makeDoubleConv(p, `${name}.enc${l}`, l === 0 ? 3 : levelWidth(c, l - 1), levelWidth(c, l)));
    }
    for (let l = 0; l < c.depth; l++) {
      this.upConvs.push(makeConvBn(p, `${name}.up${l}`, levelWidth(c, l + 1), levelWidth(c, l)));
      this.decoder.push(makeDoubleConv(p, `${name}.dec${l}`, 2 * levelWidth(c, l), levelWidth(c, l)));
    }
    this.head = makeConv1x1(p, `${name}.head`, c.width, outChannels);
  }

  /** x [B, H, W, 3] -> feature [B, H, W, w] (last decoder map) and logits [B, H, W, out]. */
  forward(x: tf.Tensor4D, training: boolean): { feature: tf.Tensor4D; logits: tf.Tensor4D } {
    const c = this.config;
    const skips: tf.Tensor4D[] = [];
    let h = x;
    for (let l = 0; l < c.depth; l++) {
      h = doubleConv(h, this.encoder[l], training, c); // [B, H/2^l, W/2^l, w 2^l]
      skips.push(h);
      h = tf.maxPool(h, 2, 2, 'valid'); // [B, H/2^(l+1), W/2^(l+1), w 2^l]
    }
    h = doubleConv(h, this.encoder[c.depth], training, c); // bottleneck [B, H/2^depth, W/2^depth, w 2^depth]
    for (let l = c.depth - 1; l >= 0; l--) {
      h = convBnRelu(upsample2(h), this.upConvs[l], training, c); // [B, H/2^l, W/2^l, w 2^l]
      h = tf.concat([skips[l], h], 3); // [B, H/2^l, W/2^l, 2 w 2^l]
      h = doubleConv(h, this.decoder[l], training, c); // [B, H/2^l, W/2^l, w 2^l]
    }
    return { feature: h, logits: conv1x1(h, this.head) };
  }
}

// ---------------------------------------------------------------------------------------------
// Gate (one per task)

/**
 * Pooled features of all experts [B, 3w] -> weights over experts [B, 3]:
 * Linear(3w -> 1.5w) -> ReLU -> h * softmax(Linear(1.5w -> 1.5w)(h)) -> Dropout -> Linear(1.5w -> 3) -> softmax.
 */
class Gate {
  private readonly in: LinearParams;
  private readonly attention: LinearParams;
  private readonly out: LinearParams;

  constructor(
    p: ParamStore,
    name: string,
    private readonly config: SemiMoeConfig,
  ) {
    const hidden = gateHidden(config);
    this.in = makeLinear(p, `${name}.in`, EXPERTS.length * config.width, hidden);
    this.attention = makeLinear(p, `${name}.attention`, hidden, hidden);
    this.out = makeLinear(p, `${name}.out`, hidden, EXPERTS.length);
  }

  forward(pooled: tf.Tensor2D, training: boolean, rng: Rng): tf.Tensor2D {
    let h = tf.relu(linear(pooled, this.in)); // [B, 1.5w]
    h = tf.mul(h, tf.softmax(linear(h, this.attention))); // [B, 1.5w], feature attention
    if (training && this.config.dropout > 0) {
      h = tf.mul(h, tf.tensor2d(dropoutMask(rng, h.size, this.config.dropout), h.shape));
    }
    return tf.softmax(linear(h, this.out)); // [B, 3]
  }
}

// ---------------------------------------------------------------------------------------------
// The model

export class SemiMoeModel {
  readonly config: SemiMoeConfig;
  /** Trainable variables by role, for optimisers and for tests. */
  readonly variables: { experts: Record<ExpertName, tf.Variable[]>; gating: tf.Variable[]; heads: tf.Variable[] };

  private readonly params: ParamStore;
  private readonly experts: Record<ExpertName, UNetExpert>;
  private readonly gates: Record<TaskName, Gate>;
  private readonly heads: Record<TaskName, Conv1x1Params>;
  private readonly dropoutRng: Rng;
  private disposed = false;

  constructor(config: SemiMoeConfig, seed: number = config.seed) {
    this.config = config;
    const p = (this.params = new ParamStore(seed));
    this.experts = {
      seg: new UNetExpert(p, 'expert.seg', config, EXPERT_CHANNELS.seg),
      sdf: new UNetExpert(p, 'expert.sdf', config, EXPERT_CHANNELS.sdf),
      bnd: new UNetExpert(p, 'expert.bnd', config, EXPERT_CHANNELS.bnd),
    };
    this.gates = { mask: new Gate(p, 'gate.mask', config), sdf: new Gate(p, 'gate.sdf', config), bnd: new Gate(p, 'gate.bnd', config) };
    this.heads = {
      mask: makeConv1x1(p, 'head.mask', config.width, TASK_CHANNELS.mask),
      sdf: makeConv1x1(p, 'head.sdf', config.width, TASK_CHANNELS.sdf),
      bnd: makeConv1x1(p, 'head.bnd', config.width, TASK_CHANNELS.bnd),
    };
    this.variables = {
      experts: { seg: p.group('expert.seg.'), sdf: p.group('expert.sdf.'), bnd: p.group('expert.bnd.') },
      gating: p.group('gate.'),
      heads: p.group('head.'),
    };
    this.dropoutRng = createRng(deriveSeed(seed, 'dropout'));
  }

  /**
   * x: [B, H, W, 3] normalised images, H and W multiples of 2^depth. `training` selects batch
   * statistics (and updates the running ones) and enables gate dropout. The caller owns (and
   * disposes, e.g. with tf.tidy) every returned tensor.
   */
  forward(x: tf.Tensor4D, training: boolean): SemiMoeOutputs {
    if (this.disposed) throw new Error('model is disposed');
    const [, h, w, ch] = x.shape;
    const unit = 2 ** this.config.depth;
    if (ch !== 3 || h % unit !== 0 || w % unit !== 0) {
      throw new Error(`input must be [B, H, W, 3] with H, W multiples of ${unit}; got [${x.shape.join(', ')}]`);
    }
    const seg = this.experts.seg.forward(x, training);
    const sdf = this.experts.sdf.forward(x, training);
    const bnd = this.experts.bnd.forward(x, training);
    const features = [seg.feature, sdf.feature, bnd.feature]; // 3 x [B, H, W, w]

    // Global average pool of concat(features) = concat of the pools; pooling first avoids
    // building the [B, H, W, 3w] map.
    const pooled = tf.concat(features.map((f) => tf.mean(f, [1, 2])), 1) as tf.Tensor2D; // [B, 3w]

    const fuse = (task: TaskName) => {
      const weights = this.gates[task].forward(pooled, training, this.dropoutRng); // [B, 3]
      const perExpert = tf.split(weights, EXPERTS.length, 1); // 3 x [B, 1]
      const fused = features
        .map((f, e) => tf.mul<tf.Tensor4D>(f, tf.reshape(perExpert[e], [-1, 1, 1, 1]))) // [B, 1] -> [B, 1, 1, 1] broadcast over H, W, C
        .reduce((a, b) => tf.add<tf.Tensor4D>(a, b)); // [B, H, W, w]
      return { weights, logits: conv1x1(fused, this.heads[task]) };
    };
    const mask = fuse('mask');
    const sdfT = fuse('sdf');
    const bndT = fuse('bnd');
    return {
      experts: { seg: seg.logits, sdf: sdf.logits, bnd: bnd.logits },
      gated: { mask: mask.logits, sdf: sdfT.logits, bnd: bndT.logits },
      gateWeights: { mask: mask.weights, sdf: sdfT.weights, bnd: bndT.weights },
    };
  }

  /** All trainable variables (experts, then gates, then heads). */
  trainableVariables(): tf.Variable[] {
    const v = this.variables;
    return [...v.experts.seg, ...v.experts.sdf, ...v.experts.bnd, ...v.gating, ...v.heads];
  }

  /** Every variable, BatchNorm running statistics included, by logical (checkpoint) name. */
  namedVariables(): ReadonlyMap<string, tf.Variable> {
    return this.params.byName;
  }

  /** Number of trainable scalars. */
  parameterCount(): number {
    return this.trainableVariables().reduce((n, v) => n + v.size, 0);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.params.byName.values()) v.dispose();
  }
}
