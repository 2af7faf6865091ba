/**
 * Semi-MoE losses: per-task losses, supervised and pseudo-label (unsupervised) terms, and the
 * adaptive multi-objective loss (AMOL) that weighs the three tasks with learned scalars.
 *
 * All maps are NHWC. Targets are float32 [B, H, W, 1]: mask and boundary 0/1, SDF in [-1, 1].
 * Every function returns new tensors; call inside tf.tidy (or a gradient function).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LossForm, SemiMoeConfig } from './config';
import type { SemiMoeOutputs } from './model';

export interface TaskTargets {
  masks: tf.Tensor4D; // [B, H, W, 1] 0/1
  sdf: tf.Tensor4D; // [B, H, W, 1] in [-1, 1]
  bnd: tf.Tensor4D; // [B, H, W, 1] 0/1
}

/**
 * Pseudo-labels, optionally with per-pixel 0/1 weights [B, H, W, 1] that keep only the pixels
 * where the gated head was confident (config.pseudoLabelConfidence). Absent weights mean every
 * pixel counts, as in the reference.
 */
export interface PseudoLabels extends TaskTargets {
  /** Mask and SDF terms: 1 where the gated mask head's top softmax probability >= the threshold. */
  maskWeight?: tf.Tensor4D;
  /** Boundary term: the same test on the gated boundary head. */
  bndWeight?: tf.Tensor4D;
}

/** L1 segmentation, L2 SDF, L3 boundary: each a scalar. */
export interface TaskLosses {
  L1: tf.Scalar;
  L2: tf.Scalar;
  L3: tf.Scalar;
}

// ---------------------------------------------------------------------------------------------
// Per-task losses

/** [B, H, W, 1] 0/1 -> [B, H, W, 2] one-hot (background, foreground). */
function oneHot2(target: tf.Tensor4D): tf.Tensor4D {
  return tf.concat([tf.sub<tf.Tensor4D>(1, target), target], 3);
}

/** Throws unless the prediction has exactly `expected` shape (no silent broadcasting). */
function checkShape(what: string, prediction: tf.Tensor, expected: readonly number[]): void {
  const got = prediction.shape;
  if (got.length !== expected.length || got.some((d, i) => d !== expected[i])) {
    throw new Error(`${what}: prediction [${got.join(', ')}] does not match target shape [${expected.join(', ')}]`);
  }
}

/** Target [B, H, W, 1] -> the matching 2-class logits shape [B, H, W, 2]. */
const twoClass = (target: tf.Tensor4D): number[] => [...target.shape.slice(0, 3), 2];

/** Softmax probabilities and one-hot target, both [B, H, W, 2], zeroed where `weight` is 0. */
function weightedPair(logits: tf.Tensor4D, target: tf.Tensor4D, weight?: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D] {
  const p = tf.softmax(logits);
  const g = oneHot2(target);
  if (!weight) return [p, g];
  checkShape('pixel weight', weight, target.shape);
  return [tf.mul(p, weight), tf.mul(g, weight)];
}

/**
 * Segmentation Dice loss: softmax over 2 classes, per image and class
 * dice = (2 sum(p g) + smooth) / (sum p^2 + sum g^2 + smooth), loss = 1 - mean over batch and classes.
 * logits [B, H, W, 2], target [B, H, W, 1]; an optional 0/1 `weight` [B, H, W, 1] leaves the
 * pixels where it is 0 out of every sum.
 */
export function diceLoss(logits: tf.Tensor4D, target: tf.Tensor4D, smooth = 1, weight?: tf.Tensor4D): tf.Scalar {
  checkShape('diceLoss', logits, twoClass(target));
  const [p, g] = weightedPair(logits, target, weight); // [B, H, W, 2] each
  const intersection = tf.sum(tf.mul(p, g), [1, 2]); // [B, 2]
  const denominator = tf.add(tf.sum(tf.square(p), [1, 2]), tf.sum(tf.square(g), [1, 2])); // [B, 2]
  const dice = tf.div(tf.add(tf.mul(intersection, 2), smooth), tf.add(denominator, smooth)); // [B, 2]
  return tf.sub(1, tf.mean(dice));
}

/**
 * Boundary soft Dice (the reference's "imbalance" Dice): softmax over 2 classes, per image and
 * class tp = sum(p g), fp = sum(p (1 - g)), fn = sum((1 - p) g),
 * loss = mean over batch and classes of 1 - (2 tp + eps) / (2 tp + fp + fn + eps).
 * An optional 0/1 `weight` [B, H, W, 1] leaves the pixels where it is 0 out of every sum.
 */
export function boundaryDiceLoss(logits: tf.Tensor4D, target: tf.Tensor4D, eps = 1e-8, weight?: tf.Tensor4D): tf.Scalar {
  checkShape('boundaryDiceLoss', logits, twoClass(target));
  const [p, g] = weightedPair(logits, target, weight); // [B, H, W, 2] each, weighted
  const w = weight ?? 1; // unweighted: the plain 1 - g and 1 - p, no extra tensor per step
  const tp = tf.sum(tf.mul(p, g), [1, 2]); // [B, 2]
  const fp = tf.sum(tf.mul(p, tf.sub(w, g)), [1, 2]); // p (1 - g) on the kept pixels
  const fn = tf.sum(tf.mul(tf.sub(w, p), g), [1, 2]); // (1 - p) g on the kept pixels
  const twoTp = tf.mul(tp, 2);
  const dice = tf.div(tf.add(twoTp, eps), tf.add(tf.add(tf.add(twoTp, fp), fn), eps)); // [B, 2]
  return tf.mean(tf.sub(1, dice));
}

/**
 * SDF loss: mean squared error between tanh(logits) and the target, both [B, H, W, 1]. Shapes
 * must match exactly: the reference compared [B, H, W] with [B, 1, H, W], which broadcasts to
 * every image against every other image. With a 0/1 `weight` [B, H, W, 1], the mean is over the
 * pixels where it is 1 (0 when there are none).
 */
export function sdfLoss(logits: tf.Tensor4D, target: tf.Tensor4D, weight?: tf.Tensor4D): tf.Scalar {
  checkShape('sdfLoss', logits, target.shape);
  const squared = tf.squaredDifference(tf.tanh(logits), target);
  if (!weight) return tf.mean(squared);
  checkShape('pixel weight', weight, target.shape);
  return tf.div(tf.sum(tf.mul(squared, weight)), tf.maximum(tf.sum(weight), 1));
}

// ---------------------------------------------------------------------------------------------
// Supervised and unsupervised terms

/** Each task's loss on its expert plus the same loss on the gated head (reference L1, L2, L3). */
export function supervisedLosses(out: SemiMoeOutputs, t: TaskTargets): TaskLosses {
  return {
    L1: tf.add(diceLoss(out.experts.seg, t.masks), diceLoss(out.gated.mask, t.masks)),
    L2: tf.add(sdfLoss(out.experts.sdf, t.sdf), sdfLoss(out.gated.sdf, t.sdf)),
    L3: tf.add(boundaryDiceLoss(out.experts.bnd, t.bnd), boundaryDiceLoss(out.gated.bnd, t.bnd)),
  };
}

/**
 * A copy of the values with no gradient history. tfjs has no stopGradient op; a tensor built
 * from the data is not on the tape, so nothing upstream of it gets a gradient (a zero-gradient
 * customGrad would still run the whole backward pass through the gates, to add zeros).
 */
function detach<T extends tf.Tensor>(x: T): T {
  return tf.tensor(x.dataSync(), x.shape, x.dtype) as T;
}

/** 0/1 float map [B, H, W, 1] of the arg-max class of 2-class logits [B, H, W, 2]. */
function argmaxMask(logits: tf.Tensor4D): tf.Tensor4D {
  return tf.expandDims(tf.cast(tf.argMax(logits, 3), 'float32'), 3); // [B, H, W] -> [B, H, W, 1]
}

/** 0/1 map [B, H, W, 1]: 1 where the larger of the 2 softmax probabilities is >= `threshold`. */
function confident(logits: tf.Tensor4D, threshold: number): tf.Tensor4D {
  return tf.expandDims(tf.cast(tf.greaterEqual(tf.max(tf.softmax(logits), 3), threshold), 'float32'), 3);
}

/**
 * Pseudo-labels from the gated heads, detached: argmax mask, tanh SDF, argmax boundary. With
 * `confidence` > 0 (config.pseudoLabelConfidence) they also carry weights that drop the pixels
 * where the head's top probability is below it; 0 keeps every pixel (the reference).
 */
export function pseudoLabels(out: SemiMoeOutputs, confidence = 0): PseudoLabels {
  const labels: PseudoLabels = {
    masks: detach(argmaxMask(out.gated.mask)),
    sdf: detach(tf.tanh(out.gated.sdf)),
    bnd: detach(argmaxMask(out.gated.bnd)),
  };
  if (confidence > 0) {
    labels.maskWeight = detach(confident(out.gated.mask, confidence));
    labels.bndWeight = detach(confident(out.gated.bnd, confidence));
  }
  return labels;
}

/** Every tensor of a set of pseudo-labels, for disposal. */
export const pseudoLabelTensors = (p: PseudoLabels): tf.Tensor[] => [p.masks, p.sdf, p.bnd, ...(p.maskWeight ? [p.maskWeight] : []), ...(p.bndWeight ? [p.bndWeight] : [])];

/**
 * Each expert trained towards its task's pseudo-label: by default from the gated heads of the
 * same forward pass (the reference: no threshold, no teacher), or from given pseudo-labels (a
 * confidence threshold, a separate teacher view: step.ts). Only the experts get gradients from
 * this term.
 */
export function unsupervisedLosses(out: SemiMoeOutputs, pseudo: PseudoLabels = pseudoLabels(out)): TaskLosses {
  return {
    L1: diceLoss(out.experts.seg, pseudo.masks, 1, pseudo.maskWeight),
    L2: sdfLoss(out.experts.sdf, pseudo.sdf, pseudo.maskWeight),
    L3: boundaryDiceLoss(out.experts.bnd, pseudo.bnd, 1e-8, pseudo.bndWeight),
  };
}

// ---------------------------------------------------------------------------------------------
// Adaptive multi-objective loss

/** What users see: the effective weight e^-s of each task and the raw s. */
export interface LossWeights {
  mask: number;
  sdf: number;
  bnd: number;
  s1: number;
  s2: number;
  s3: number;
}

let amolCounter = 0;

/**
 * Combines L1, L2, L3 with learned scalars s = (s1, s2, s3). Forms (config.lossForm):
 * - 'reference-amol': e^-s1 L1 + c e^s1 + f e^-s2 L2 + c e^s2 + e^-s3 L3 + c e^s3 (c = 0.4,
 *   f = 0.5). Minimising over s alone gives e^-s_i = sqrt(c / (a_i L_i)): tasks whose loss is
 *   already small are weighted up, a regulariser keeps s finite.
 * - 'kendall': sum e^-s_i L_i + s_i (homoscedastic uncertainty weighting, s = log variance).
 * - 'fixed': sum fixedWeights_i L_i; s is not learned.
 * One instance serves both the supervised and the unsupervised term, as in the reference.
 */
export class AdaptiveLoss {
  readonly form: LossForm;
  /** [3] = (s1, s2, s3); trainable unless the form is 'fixed'. */
  readonly s: tf.Variable<tf.Rank.R1>;
  private readonly config: SemiMoeConfig;

  constructor(config: SemiMoeConfig, init?: readonly number[]) {
    this.config = config;
    this.form = config.lossForm;
    const values = init ?? [config.amolInit, config.amolInit, config.amolInit];
    if (values.length !== 3) throw new Error('AdaptiveLoss needs 3 initial values');
    this.s = tf.variable(tf.tensor1d([...values]), this.form !== 'fixed', `semimoe-amol${++amolCounter}/s`);
  }

  /** Trainable variables (none for 'fixed'). */
  get trainableVariables(): tf.Variable[] {
    return this.s.trainable ? [this.s] : [];
  }

  combine(l: TaskLosses): tf.Scalar {
    const losses = tf.stack([l.L1, l.L2, l.L3]); // [3]
    const c = this.config;
    switch (this.form) {
      case 'reference-amol': {
        const taskFactor = tf.tensor1d([1, c.amolSdfFactor, 1]);
        const weighted = tf.mul(tf.mul(taskFactor, tf.exp(tf.neg(this.s))), losses);
        return tf.sum(tf.add(weighted, tf.mul(c.amolRegulariser, tf.exp(this.s))));
      }
      case 'kendall':
        return tf.sum(tf.add(tf.mul(tf.exp(tf.neg(this.s)), losses), this.s));
      case 'fixed':
        return tf.sum(tf.mul(tf.tensor1d([...c.fixedWeights]), losses));
    }
  }

  /** Current weights for display: e^-s per task (the fixed weights for 'fixed') and raw s. */
  weights(): LossWeights {
    const [s1, s2, s3] = Array.from(this.s.dataSync());
    const w = this.form === 'fixed' ? [...this.config.fixedWeights] : [s1, s2, s3].map((s) => Math.exp(-s));
    return { mask: w[0], sdf: w[1], bnd: w[2], s1, s2, s3 };
  }

  /** Raw (s1, s2, s3), for checkpoints. */
  values(): [number, number, number] {
    const [s1, s2, s3] = Array.from(this.s.dataSync());
    return [s1, s2, s3];
  }

  dispose(): void {
    this.s.dispose();
  }
}
