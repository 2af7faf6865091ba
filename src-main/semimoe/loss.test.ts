import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend/select';
import { makeConfig } from './config';
import { AdaptiveLoss, boundaryDiceLoss, diceLoss, pseudoLabels, sdfLoss, supervisedLosses, unsupervisedLosses } from './loss';
import { SemiMoeModel } from './model';

beforeAll(async () => {
  await initBackend('cpu'); // registers the gradient functions (and the CPU kernel fixes)
});

const value = (f: () => tf.Scalar): number => tf.tidy(() => f().dataSync()[0]);
/** 2-class logits [1, 1, n, 2] strongly predicting `labels` (0/1 per pixel). */
const confident = (labels: number[]) => tf.tensor4d(labels.flatMap((l) => (l ? [-20, 20] : [20, -20])), [1, 1, labels.length, 2]);
const target = (labels: number[]) => tf.tensor4d(labels, [1, 1, labels.length, 1]);

describe('task losses', () => {
  it('Dice: ~0 for a perfect prediction, 0.2 for the hand-computed uncertain case', () => {
    expect(value(() => diceLoss(confident([1, 0, 0, 1]), target([1, 0, 0, 1])))).toBeLessThan(1e-6);
    // Logits 0 -> p = 0.5 for both classes. Per class: sum p g = 0.5, sum p^2 = 0.5, sum g^2 = 1,
    // dice = (2 * 0.5 + 1) / (0.5 + 1 + 1) = 0.8, so the loss is 0.2.
    expect(value(() => diceLoss(tf.zeros([1, 1, 2, 2]), target([1, 0])))).toBeCloseTo(0.2, 6);
    // A wrong confident prediction: per class dice = 1 / (1 + 1 + 1) -> loss 2/3.
    expect(value(() => diceLoss(confident([0, 1]), target([1, 0])))).toBeCloseTo(2 / 3, 5);
  });

  it('Dice averages per image over the batch', () => {
    const logits = tf.concat([confident([1, 0]), tf.zeros([1, 1, 2, 2])]);
    const t = tf.concat([target([1, 0]), target([1, 0])]);
    expect(value(() => diceLoss(logits as tf.Tensor4D, t as tf.Tensor4D))).toBeCloseTo(0.1, 5);
  });

  it('boundary Dice: ~0 when perfect, 0.5 for p = 0.5', () => {
    expect(value(() => boundaryDiceLoss(confident([0, 1, 1, 0]), target([0, 1, 1, 0])))).toBeLessThan(1e-6);
    // tp = 0.5, fp = 0.5, fn = 0.5 per class: dice = 1 / 2.
    expect(value(() => boundaryDiceLoss(tf.zeros([1, 1, 2, 2]), target([1, 0])))).toBeCloseTo(0.5, 6);
  });

  it('a 0/1 pixel weight leaves the zero-weight pixels out of Dice, boundary Dice and SDF', () => {
    // All-ones weights change nothing.
    const ones = tf.ones([1, 1, 2, 1]) as tf.Tensor4D;
    expect(value(() => diceLoss(tf.zeros([1, 1, 2, 2]), target([1, 0]), 1, ones))).toBeCloseTo(0.2, 6);
    expect(value(() => boundaryDiceLoss(tf.zeros([1, 1, 2, 2]), target([1, 0]), 1e-8, ones))).toBeCloseTo(0.5, 6);
    // Pixels 3 and 4 are confidently wrong but weighted out: the loss is that of pixels 1-2 alone.
    const logits = tf.concat([tf.zeros([1, 1, 2, 2]), confident([1, 0])], 2) as tf.Tensor4D;
    const keepFirstTwo = target([1, 1, 0, 0]);
    expect(value(() => diceLoss(logits, target([1, 0, 0, 1]), 1, keepFirstTwo))).toBeCloseTo(0.2, 5);
    expect(value(() => boundaryDiceLoss(logits, target([1, 0, 0, 1]), 1e-8, keepFirstTwo))).toBeCloseTo(0.5, 5);
    // SDF: mean squared error over the kept pixels only; 0 when none is kept.
    const sdfLogits = tf.tensor4d([0, Math.atanh(0.5), 0, 0], [1, 1, 4, 1]);
    const sdfTarget = tf.tensor4d([0.5, 0.5, 1, -1], [1, 1, 4, 1]);
    expect(value(() => sdfLoss(sdfLogits, sdfTarget, keepFirstTwo))).toBeCloseTo(0.25 / 2, 6);
    expect(value(() => sdfLoss(sdfLogits, sdfTarget, target([0, 0, 0, 0])))).toBe(0);
    expect(() => sdfLoss(sdfLogits, sdfTarget, ones)).toThrow(/does not match/);
  });

  it('SDF MSE compares tanh(output) with the target of the same shape, and refuses to broadcast', () => {
    const logits = tf.tensor4d([0, Math.atanh(0.5), 0, Math.atanh(-0.5)], [2, 1, 2, 1]);
    const t = tf.tensor4d([0.5, 0.5, 0, -0.5], [2, 1, 2, 1]);
    expect(value(() => sdfLoss(logits, t))).toBeCloseTo(0.25 / 4, 6);
    expect(() => sdfLoss(logits, tf.tensor4d([0.5, 0.5], [1, 1, 2, 1]))).toThrow(/does not match/);
    expect(() => sdfLoss(logits, tf.zeros([2, 1, 2]) as unknown as tf.Tensor4D)).toThrow(/does not match/);
    expect(() => diceLoss(tf.zeros([1, 1, 2, 1]) as tf.Tensor4D, target([1, 0]))).toThrow(/does not match/);
  });
});

describe('AdaptiveLoss', () => {
  const L = { L1: 0.3, L2: 0.8, L3: 0.6 };
  const s = [1, 0.5, -0.2];
  const combined = (form: 'reference-amol' | 'kendall' | 'fixed') => {
    const amol = new AdaptiveLoss(makeConfig({ lossForm: form }), s);
    const v = value(() => amol.combine({ L1: tf.scalar(L.L1), L2: tf.scalar(L.L2), L3: tf.scalar(L.L3) }));
    const w = amol.weights();
    amol.dispose();
    return { v, w };
  };
  const e = Math.exp;

  it('reference form: e^-s1 L1 + 0.4 e^s1 + 0.5 e^-s2 L2 + 0.4 e^s2 + e^-s3 L3 + 0.4 e^s3', () => {
    const expected = e(-1) * 0.3 + 0.4 * e(1) + 0.5 * e(-0.5) * 0.8 + 0.4 * e(0.5) + e(0.2) * 0.6 + 0.4 * e(-0.2);
    const { v, w } = combined('reference-amol');
    expect(v).toBeCloseTo(expected, 5);
    expect(w.mask).toBeCloseTo(e(-1), 6);
    expect(w.sdf).toBeCloseTo(e(-0.5), 6);
    expect(w.bnd).toBeCloseTo(e(0.2), 6);
    expect(w.s3).toBeCloseTo(-0.2, 6);
  });

  it('kendall and fixed forms', () => {
    expect(combined('kendall').v).toBeCloseTo(e(-1) * 0.3 + 1 + e(-0.5) * 0.8 + 0.5 + e(0.2) * 0.6 - 0.2, 5);
    const fixed = combined('fixed');
    expect(fixed.v).toBeCloseTo(0.3 + 0.5 * 0.8 + 0.6, 5);
    expect([fixed.w.mask, fixed.w.sdf, fixed.w.bnd]).toEqual([1, 0.5, 1]);
    const amol = new AdaptiveLoss(makeConfig({ lossForm: 'fixed' }));
    expect(amol.trainableVariables).toEqual([]);
    amol.dispose();
  });

  it('starts at s = 1 (the reference) with a learnable vector', () => {
    const amol = new AdaptiveLoss(makeConfig());
    expect(amol.values()).toEqual([1, 1, 1]);
    expect(amol.trainableVariables).toHaveLength(1);
    amol.dispose();
  });
});

describe('supervised and pseudo-label losses on the model', () => {
  // Small enough for the plain CPU backend's slow convolution gradients.
  const config = makeConfig({ width: 2, depth: 2, inputSize: 16 });

  it('pseudo-labels are the detached argmax / tanh of the gated heads', () => {
    const model = new SemiMoeModel(config, 3);
    tf.tidy(() => {
      const out = model.forward(tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 1), true);
      const p = pseudoLabels(out);
      expect(p.masks.shape).toEqual([2, 16, 16, 1]);
      const [bg, fgLogit] = tf.split(out.gated.mask, 2, 3);
      const fg = tf.sub(fgLogit, bg);
      expect(Array.from(p.masks.dataSync())).toEqual(Array.from(tf.cast(tf.greater(fg, 0), 'float32').dataSync()));
      expect(Array.from(p.sdf.dataSync())).toEqual(Array.from(tf.tanh(out.gated.sdf).dataSync()));
    });
    model.dispose();
  });

  it('with a confidence threshold, pseudo-labels weigh out the pixels where the gated head is unsure', () => {
    const model = new SemiMoeModel(config, 3);
    tf.tidy(() => {
      const out = model.forward(tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 1), true);
      expect(pseudoLabels(out).maskWeight).toBeUndefined();
      const threshold = 0.55;
      const p = pseudoLabels(out, threshold);
      const top = (logits: tf.Tensor4D) => Array.from(tf.max(tf.softmax(logits), 3).dataSync());
      expect(Array.from(p.maskWeight!.dataSync())).toEqual(top(out.gated.mask).map((q) => (q >= threshold ? 1 : 0)));
      expect(Array.from(p.bndWeight!.dataSync())).toEqual(top(out.gated.bnd).map((q) => (q >= threshold ? 1 : 0)));
      // The threshold only removes pixels: the masked losses equal the plain losses with the same weights.
      const masked = unsupervisedLosses(out, p);
      expect(masked.L1.dataSync()[0]).toBeCloseTo(diceLoss(out.experts.seg, p.masks, 1, p.maskWeight).dataSync()[0], 6);
      expect(masked.L2.dataSync()[0]).not.toBeCloseTo(unsupervisedLosses(out, pseudoLabels(out)).L2.dataSync()[0], 6);
    });
    model.dispose();
  });

  it('the pseudo-label term trains only the experts; the supervised term reaches everything', () => {
    const model = new SemiMoeModel(config, 3);
    const amol = new AdaptiveLoss(config);
    const x = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const all = [...model.trainableVariables(), ...amol.trainableVariables];
    const nonZero = (g: tf.Tensor | undefined | null) => g != null && tf.tidy(() => tf.any(tf.notEqual(g, 0)).dataSync()[0] === 1);

    const unsup = tf.variableGrads(() => amol.combine(unsupervisedLosses(model.forward(x, true))), all);
    for (const v of [...model.variables.gating, ...model.variables.heads]) expect(unsup.grads[v.name]).toBeUndefined();
    for (const name of ['seg', 'sdf', 'bnd'] as const) expect(model.variables.experts[name].some((v) => nonZero(unsup.grads[v.name]))).toBe(true);
    tf.dispose([unsup.value, ...Object.values(unsup.grads)]);

    const targets = {
      masks: tf.cast(tf.greater(tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 3), 0.5), 'float32') as tf.Tensor4D,
      sdf: tf.randomUniform([2, 16, 16, 1], -1, 1, 'float32', 4) as tf.Tensor4D,
      bnd: tf.cast(tf.greater(tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 5), 0.8), 'float32') as tf.Tensor4D,
    };
    const sup = tf.variableGrads(() => amol.combine(supervisedLosses(model.forward(x, true), targets)), all);
    for (const v of [...model.variables.gating, ...model.variables.heads]) expect(sup.grads[v.name]).toBeDefined();
    expect(nonZero(sup.grads[amol.s.name])).toBe(true);
    tf.dispose([sup.value, ...Object.values(sup.grads), x, ...Object.values(targets)]);
    model.dispose();
    amol.dispose();
  });
});
