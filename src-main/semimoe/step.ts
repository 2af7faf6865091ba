/**
 * One Semi-MoE training step: forward the labelled and unlabelled batches, combine the losses
 * with the adaptive loss, back-propagate once, update.
 *
 * Optimisers (as the reference): SGD with momentum and weight decay for the networks, Adam
 * with weight decay for the loss scalars. Both are written out here rather than taken from
 * tf.train: tf.train.momentum has no weight decay, and PyTorch's rule (decay added to the
 * gradient before momentum) is three lines.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SemiMoeConfig } from './config';
import { AdaptiveLoss, pseudoLabels, pseudoLabelTensors, supervisedLosses, unsupervisedLosses, type LossWeights, type PseudoLabels, type TaskTargets } from './loss';
import { SemiMoeModel } from './model';

export interface LabelledBatch extends TaskTargets {
  images: tf.Tensor4D; // [B, H, W, 3] normalised
}

export interface UnlabelledBatch {
  images: tf.Tensor4D; // [B, H, W, 3] normalised
  /**
   * 'weak-strong' pseudo-labelling (config.ts `PseudoLabelView`): the same tiles colour-perturbed.
   * When present, pseudo-labels come from an inference-mode pass over `images` and the experts
   * are trained on these; when absent, both come from one pass over `images` (the reference).
   */
  studentImages?: tf.Tensor4D;
}

export interface StepLosses {
  /** Supervised task losses (expert + gated head each). */
  L1: number;
  L2: number;
  L3: number;
  /** Supervised losses combined by the adaptive loss (its regularisers included). */
  sup: number;
  /** Unsupervised (pseudo-label) task losses; 0 without an unlabelled batch. */
  U1: number;
  U2: number;
  U3: number;
  /** Unsupervised losses combined by the adaptive loss, times the ramp weight. */
  unsup: number;
  total: number;
}

export interface StepResult {
  losses: StepLosses;
  /** Adaptive-loss weights after this step's update. */
  weights: LossWeights;
}

export interface Trainer {
  /**
   * One update. `unsupWeight` is the ramp weight of the unsupervised term (schedule.ts
   * `unsupWeight`); with it 0 or no unlabelled batch, the unlabelled forward pass is skipped.
   * `lr` is the network learning rate for this step (schedule.ts `learningRate`).
   * The caller keeps ownership of the batch tensors.
   */
  step(labelled: LabelledBatch, unlabelled: UnlabelledBatch | null, unsupWeight: number, lr: number): StepResult;
  readonly amol: AdaptiveLoss;
  /** The mean teacher (config.teacherEmaDecay > 0), else null. */
  readonly teacher: SemiMoeModel | null;
  /** Steps taken so far. */
  readonly steps: number;
  /** Frees optimiser state and the adaptive loss (not the model). */
  dispose(): void;
}

// ---------------------------------------------------------------------------------------------
// Optimisers

/** PyTorch SGD: d = g + wd * p; buf = momentum * buf + d; p -= lr * buf. */
class SgdMomentum {
  private readonly buffers = new Map<tf.Variable, tf.Variable>();

  constructor(
    private readonly momentum: number,
    private readonly weightDecay: number,
  ) {}

  apply(variables: readonly tf.Variable[], grads: tf.NamedTensorMap, lr: number): void {
    tf.tidy(() => {
      for (const p of variables) {
        const g = grads[p.name];
        if (!g) continue; // no path from the loss: no update, no decay (as PyTorch)
        const buf = this.buffer(p);
        const d = tf.add(g, tf.mul(p, this.weightDecay));
        buf.assign(tf.add(tf.mul(buf, this.momentum), d));
        p.assign(tf.sub(p, tf.mul(buf, lr)));
      }
    });
  }

  private buffer(p: tf.Variable): tf.Variable {
    let b = this.buffers.get(p);
    if (!b) {
      b = tf.variable(tf.zerosLike(p), false);
      this.buffers.set(p, b);
    }
    return b;
  }

  dispose(): void {
    for (const b of this.buffers.values()) b.dispose();
    this.buffers.clear();
  }
}

/** PyTorch Adam with L2 weight decay (added to the gradient), for the few loss scalars. */
class Adam {
  private readonly m = new Map<tf.Variable, tf.Variable>();
  private readonly v = new Map<tf.Variable, tf.Variable>();
  private t = 0;

  constructor(
    private readonly lr: number,
    private readonly weightDecay: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
  ) {}

  apply(variables: readonly tf.Variable[], grads: tf.NamedTensorMap): void {
    this.t++;
    const correct1 = 1 - this.beta1 ** this.t;
    const correct2 = 1 - this.beta2 ** this.t;
    tf.tidy(() => {
      for (const p of variables) {
        const g0 = grads[p.name];
        if (!g0) continue;
        const g = tf.add(g0, tf.mul(p, this.weightDecay));
        const m = this.state(this.m, p);
        const v = this.state(this.v, p);
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        const stepDir = tf.div(tf.div(m, correct1), tf.add(tf.sqrt(tf.div(v, correct2)), this.eps));
        p.assign(tf.sub(p, tf.mul(stepDir, this.lr)));
      }
    });
  }

  private state(map: Map<tf.Variable, tf.Variable>, p: tf.Variable): tf.Variable {
    let s = map.get(p);
    if (!s) {
      s = tf.variable(tf.zerosLike(p), false);
      map.set(p, s);
    }
    return s;
  }

  dispose(): void {
    for (const s of [...this.m.values(), ...this.v.values()]) s.dispose();
    this.m.clear();
    this.v.clear();
  }
}

// ---------------------------------------------------------------------------------------------
// The trainer

/**
 * A mean teacher: a second model whose every variable (BatchNorm running statistics included)
 * follows the student's as an exponential moving average.
 */
class EmaTeacher {
  readonly model: SemiMoeModel;
  private readonly pairs: [tf.Variable, tf.Variable][] = [];

  constructor(
    student: SemiMoeModel,
    private readonly decay: number,
  ) {
    this.model = new SemiMoeModel(student.config, student.config.seed);
    const own = this.model.namedVariables();
    for (const [name, v] of student.namedVariables()) {
      const t = own.get(name)!;
      t.assign(v);
      this.pairs.push([t, v]);
    }
  }

  update(): void {
    tf.tidy(() => {
      for (const [t, v] of this.pairs) t.assign(tf.add(tf.mul(t, this.decay), tf.mul(v, 1 - this.decay)));
    });
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** Pseudo-labels of an inference-mode pass (running BatchNorm statistics, no dropout); the caller disposes them. */
function teacherPseudoLabels(model: SemiMoeModel, images: tf.Tensor4D, confidence: number): PseudoLabels {
  let labels: PseudoLabels | undefined;
  tf.tidy(() => {
    labels = pseudoLabels(model.forward(images, false), confidence);
    for (const t of pseudoLabelTensors(labels)) tf.keep(t);
  });
  return labels!;
}

export interface TrainerOptions {
  /** Initial (s1, s2, s3) of the adaptive loss, e.g. from a checkpoint (default config.amolInit). */
  amolInit?: readonly number[];
}

/**
 * A trainer for `model`. Needs tfjs-core's gradient functions, which its Node entry point does
 * not register: select the backend with backend/select.ts `initBackend` first.
 */
export function createTrainer(model: SemiMoeModel, config: SemiMoeConfig = model.config, opts: TrainerOptions = {}): Trainer {
  if (!tf.getGradient('Conv2D') || !tf.getGradient('FusedBatchNorm')) {
    throw new Error('tfjs gradient functions are not registered: call initBackend() from backend/select.ts before training');
  }
  const amol = new AdaptiveLoss(config, opts.amolInit);
  const sgd = new SgdMomentum(config.momentum, config.weightDecay);
  const adam = new Adam(config.amolLr, config.amolWeightDecay);
  const networkVariables = model.trainableVariables();
  const ema = config.teacherEmaDecay > 0 ? new EmaTeacher(model, config.teacherEmaDecay) : null;
  let steps = 0;

  const step = (labelled: LabelledBatch, unlabelled: UnlabelledBatch | null, unsupWeight: number, lr: number): StepResult => {
    const useUnlabelled = unlabelled !== null && unsupWeight > 0;
    let parts: tf.Tensor1D | null = null; // the reported numbers, kept out of the gradient scope
    // Teacher view: computed before the gradient scope, so it is never on the tape.
    const teacher = useUnlabelled && unlabelled.studentImages ? teacherPseudoLabels(ema?.model ?? model, unlabelled.images, config.pseudoLabelConfidence) : null;
    const { value, grads } = tf.variableGrads(() => {
      const sup = supervisedLosses(model.forward(labelled.images, true), labelled);
      const supTotal = amol.combine(sup);
      const zero = tf.scalar(0);
      let unsup = { L1: zero, L2: zero, L3: zero };
      let unsupTotal = zero;
      if (useUnlabelled) {
        if (teacher) {
          unsup = unsupervisedLosses(model.forward(unlabelled.studentImages!, true), teacher);
        } else {
          const out = model.forward(unlabelled.images, true);
          unsup = unsupervisedLosses(out, pseudoLabels(out, config.pseudoLabelConfidence));
        }
        unsupTotal = tf.mul(amol.combine(unsup), unsupWeight);
      }
      const total = tf.add(supTotal, unsupTotal) as tf.Scalar;
      parts = tf.keep(tf.stack([sup.L1, sup.L2, sup.L3, supTotal, unsup.L1, unsup.L2, unsup.L3, unsupTotal, total]) as tf.Tensor1D);
      return total;
    }, [...networkVariables, ...amol.trainableVariables]);

    if (teacher) tf.dispose(pseudoLabelTensors(teacher));
    sgd.apply(networkVariables, grads, lr);
    adam.apply(amol.trainableVariables, grads);
    ema?.update();
    tf.dispose(grads);
    value.dispose();
    steps++;

    const p = parts as tf.Tensor1D | null;
    if (!p) throw new Error('loss function did not run');
    const [L1, L2, L3, sup, U1, U2, U3, unsup, total] = Array.from(p.dataSync());
    p.dispose();
    if (!Number.isFinite(total)) throw new Error(`training diverged: loss is ${total} at step ${steps}`);
    return { losses: { L1, L2, L3, sup, U1, U2, U3, unsup, total }, weights: amol.weights() };
  };

  return {
    step,
    amol,
    teacher: ema?.model ?? null,
    get steps() {
      return steps;
    },
    dispose() {
      ema?.dispose();
      sgd.dispose();
      adam.dispose();
      amol.dispose();
    },
  };
}
