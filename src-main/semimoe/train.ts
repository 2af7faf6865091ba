/**
 * The Semi-MoE training loop: data -> steps -> periodic validation -> best model on disk.
 *
 * Each step draws 2 labelled + 2 unlabelled augmented tiles (reference batch), ramps the
 * unsupervised weight linearly to 0.5 over the run (reference: 0.5 * (epoch + 1) / epochs),
 * takes the learning rate from the schedule, and calls the trainer's step. Every
 * `validateEvery` steps the gated mask's foreground probability is computed on the validation
 * split (held out from the training folder, never a test set) by sliding window, a threshold
 * is swept over 0..0.88, and the best (step, threshold) by pooled validation Dice is saved
 * atomically as the model directory with its model card.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadCheckpoint, saveCheckpoint } from './checkpoint';
import { makeConfig, type SemiMoeConfig } from './config';
import { labelledBatch, loadImage, loadTrainingData, sampleTiles, unlabelledBatch, type LabelledImage, type TrainingData } from './data';
import { GLAS_MPP, listGlasFolder } from './glas';
import { extractInstances, type DenseOutputs } from './instances';
import { evaluateInstances, meanMetrics, type MeanMetrics } from './metrics';
import { GLAS_LICENSE_NOTE, MODEL_CARD_FILE, type ModelCard, type ThresholdScore } from './model-card';
import { SemiMoeModel } from './model';
import { minGlandArea, modelForward, predictDense, startBackend, type Predictor } from './predict';
import { createRng, deriveSeed, type Rng } from './random';
import { learningRate, unsupWeight } from './schedule';
import { createTrainer, type Trainer, type UnlabelledBatch } from './step';
import { colourJitter } from './augment';
import { writeDirAtomic, writeFileAtomic } from '../trainer/atomic-write';

export interface TrainProgress {
  step: number;
  totalSteps: number | null;
  /** Every loss term the trainer reports (supervised, unsupervised, per task, total). */
  losses: Record<string, number>;
  /** Learned AMOL weights (e^-s per task) and the raw s values. */
  lossWeights: Record<string, number>;
  lr: number;
  rampWeight: number;
  imagesPerSecond: number;
  elapsedSeconds: number;
  etaSeconds: number | null;
  backend: string;
  /**
   * Set on steps that ran validation: the trained model's scores, and with a mean teacher
   * (config.teacherEmaDecay > 0) the teacher's pixel Dice too. `best`: this check's better
   * model became the saved one.
   */
  validation?: { dice: number; iou: number; threshold: number; best: boolean; teacherDice?: number };
}

export interface TrainOptions {
  dataDir: string;
  labeledFraction: number;
  validationFraction?: number;
  supervisedOnly?: boolean;
  outDir: string;
  /** Exactly one of these bounds the run; steps wins, then epochs, then time. */
  steps?: number;
  epochs?: number;
  timeBudgetSeconds?: number;
  seed?: number;
  backend?: string;
  config?: Partial<SemiMoeConfig>;
  /** Steps between validations (default: about 10 per run). */
  validateEvery?: number;
  /** With a time budget: seconds between validations (default: an eighth of the budget). */
  validateEverySeconds?: number;
  /** Micrometres per pixel of the training folder's images (GlaS: 0.62005). */
  sourceMpp?: number;
  /**
   * Fine-tune: start from this model directory's weights, config and learned loss scalars
   * instead of a fresh model. `config` then overrides only the training hyperparameters (the
   * architecture must match the weights, so width, depth and mpp come from the checkpoint).
   */
  initFrom?: string;
  /**
   * An explicit validation folder (GlaS layout, labels required) instead of a fraction held out
   * of dataDir: retraining validates on the project's validation fields, never on its training ones.
   */
  validationDir?: string;
  onProgress?: (p: TrainProgress) => void;
  signal?: AbortSignal;
}

export interface TrainResult {
  outDir: string;
  backend: string;
  steps: number;
  card: ModelCard;
  cancelled: boolean;
}

/**
 * Every labelled image of a GlaS-layout folder at model resolution (an explicit validation set);
 * an absent or empty folder is an empty set (a project may have no validation fields yet).
 */
export async function loadValidationFolder(dir: string, modelMpp: number, sourceMpp: number): Promise<LabelledImage[]> {
  let entries;
  try {
    entries = await listGlasFolder(dir);
  } catch {
    return [];
  }
  const out: LabelledImage[] = [];
  for (const entry of entries) if (entry.labelPath) out.push(await loadImage(entry, sourceMpp, modelMpp, true));
  return out;
}

/** The config fields fixed by a checkpoint's weights (a fine-tune cannot change them). */
function architectureOf(c: SemiMoeConfig): Partial<SemiMoeConfig> {
  return { width: c.width, depth: c.depth, mpp: c.mpp, gateHiddenRatio: c.gateHiddenRatio, mean: c.mean, std: c.std };
}

export const THRESHOLDS = Array.from({ length: 23 }, (_, i) => Math.round(i * 0.04 * 100) / 100); // 0 .. 0.88

export async function trainSemiMoe(opts: TrainOptions): Promise<TrainResult> {
  const seed = opts.seed ?? 1;
  const validationFraction = opts.validationDir ? 0 : (opts.validationFraction ?? 0.15);
  const backend = await startBackend(opts.backend);
  const init = opts.initFrom ? await loadCheckpoint(opts.initFrom) : null;
  const config = init ? makeConfig({ ...init.config, ...opts.config, ...architectureOf(init.config), seed }) : makeConfig({ ...opts.config, seed });
  const data = await loadTrainingData(
    opts.dataDir,
    { validationFraction, labeledFraction: opts.labeledFraction, seed },
    config.mpp,
    opts.sourceMpp ?? GLAS_MPP,
  );
  if (opts.validationDir) {
    data.validation = await loadValidationFolder(opts.validationDir, config.mpp, opts.sourceMpp ?? GLAS_MPP);
    data.split.validation = data.validation.map((v) => v.name);
  }
  if (data.labelled.length === 0) throw new Error('no labelled images');
  const supervisedOnly = opts.supervisedOnly ?? false;
  if (!supervisedOnly && data.unlabelled.length === 0) throw new Error('no unlabelled images: use supervisedOnly or a smaller labelled fraction');

  // Steps: an epoch is one pass over the unlabelled pool in batches of 2 (the labelled set is
  // repeated to match, as in the reference); supervised-only epochs count labelled images.
  const perEpoch = supervisedOnly
    ? Math.ceil(data.labelled.length / config.batchLabelled)
    : Math.ceil(data.unlabelled.length / Math.max(1, config.batchUnlabelled));
  const totalSteps = opts.steps ?? (opts.epochs ? opts.epochs * perEpoch : null);
  const budget = opts.timeBudgetSeconds ?? null;
  if (totalSteps === null && budget === null) throw new Error('give steps, epochs or a time budget');
  const validateEvery = opts.validateEvery ?? Math.max(1, Math.round((totalSteps ?? 1000) / 10));

  const model = init?.model ?? new SemiMoeModel(config);
  const trainer = createTrainer(model, config, init?.amolS ? { amolInit: init.amolS } : {});
  const rng = createRng(deriveSeed(seed, 'train.tiles'));
  // Validation runs the model in inference mode (running BatchNorm statistics) through the
  // same sliding-window path as `semimoe predict`, so the chosen threshold transfers.
  const predictor: Predictor = { config, card: null, threshold: 0.5, backend, forward: modelForward(model), dispose: () => {} };
  // A mean teacher is validated too and saved when it scores higher: it averages the last
  // ~1 / (1 - decay) steps' weights, which is often the better model (Tarvainen and Valpola 2017
  // report their EMA model ahead of the student), and choosing it on validation is the same kind
  // of choice as the step and the threshold.
  const teacher = trainer.teacher;
  const teacherPredictor: Predictor | null = teacher ? { ...predictor, forward: modelForward(teacher) } : null;
  const started = Date.now();
  let best: { step: number; weights: SavedWeights; threshold: number; dice: number; iou: number; sweep: ThresholdScore[]; objects?: MeanMetrics } | null = null;
  let step = 0;
  let lastWeights: Record<string, number> = {};
  let cancelled = false;
  let lastValidationAt = 0;
  // With a time budget, validation is spaced by time instead of steps.
  const validateSeconds = opts.validateEverySeconds ?? (budget ?? 0) / 8;
  const validateNow = (s: number, elapsed: number) =>
    budget !== null && totalSteps === null ? elapsed - lastValidationAt >= validateSeconds : s % validateEvery === 0;

  const buildCard = (finalSteps: number): ModelCard => ({
    format: 'semimoe-model-card',
    version: 1,
    name: `semimoe-${supervisedOnly ? 'supervised' : 'semi'}-w${config.width}`,
    createdAt: new Date().toISOString(),
    method: supervisedOnly ? 'supervised-only' : 'semi-moe',
    config,
    data: {
      dir: opts.dataDir,
      labeledFraction: opts.labeledFraction,
      validationFraction,
      labelled: data.labelled.length,
      unlabelled: supervisedOnly ? 0 : data.unlabelled.length,
      validation: data.validation.length,
      validationNames: data.split.validation,
      labelledNames: data.split.labelled,
      sourceMpp: opts.sourceMpp ?? GLAS_MPP,
    },
    training: {
      steps: finalSteps,
      bestStep: best?.step ?? finalSteps,
      ...(teacher ? { bestWeights: best?.weights ?? 'student' } : {}),
      seconds: Math.round((Date.now() - started) / 1000),
      backend,
      seed,
      ...(opts.initFrom ? { initFrom: opts.initFrom } : {}),
      batch: { labelled: config.batchLabelled, unlabelled: supervisedOnly ? 0 : config.batchUnlabelled },
      finalLossWeights: lastWeights,
    },
    validation: {
      threshold: best?.threshold ?? 0.5,
      pixelDice: best?.dice ?? NaN,
      pixelIoU: best?.iou ?? NaN,
      sweep: best?.sweep ?? [],
      objects: best?.objects,
    },
    license: GLAS_LICENSE_NOTE,
  });

  const save = async (finalSteps: number, weights: SavedWeights = 'student') => {
    const card = buildCard(finalSteps);
    await writeDirAtomic(opts.outDir, async (tmp) => {
      await saveCheckpoint(tmp, weights === 'teacher' ? teacher! : model, { amol: trainer.amol, meta: { step: finalSteps } });
      await writeFile(path.join(tmp, MODEL_CARD_FILE), JSON.stringify(card, null, 2) + '\n');
    });
    return card;
  };

  try {
    for (;;) {
      const elapsed = (Date.now() - started) / 1000;
      if (totalSteps !== null && step >= totalSteps) break;
      if (totalSteps === null && budget !== null && elapsed >= budget) break;
      if (opts.signal?.aborted) {
        cancelled = true;
        break;
      }
      // Progress in [0, 1) mapped onto the reference's epoch schedule (schedule.ts).
      const epoch = (totalSteps !== null ? step / totalSteps : Math.min(1, elapsed / budget!)) * config.epochs;
      const rampWeight = supervisedOnly ? 0 : unsupWeight(config, epoch);
      const lr = learningRate(config, epoch);

      const result = runStep(trainer, data, config, rng, supervisedOnly, rampWeight, lr);
      const losses: Record<string, number> = { ...result.losses };
      step++;
      lastWeights = { ...result.weights };
      const now = (Date.now() - started) / 1000;
      const imgs = step * (config.batchLabelled + (supervisedOnly ? 0 : config.batchUnlabelled));
      const progress: TrainProgress = {
        step,
        totalSteps,
        losses,
        lossWeights: lastWeights,
        lr,
        rampWeight,
        imagesPerSecond: imgs / Math.max(now, 1e-3),
        elapsedSeconds: now,
        etaSeconds: totalSteps !== null ? (now / step) * (totalSteps - step) : budget !== null ? Math.max(0, budget - now) : null,
        backend,
      };
      const last = (totalSteps !== null && step === totalSteps) || (budget !== null && totalSteps === null && now >= budget);
      if (data.validation.length > 0 && (validateNow(step, now) || last)) {
        lastValidationAt = now;
        const studentScore = validate(predictor, data.validation);
        const teacherScore = teacherPredictor ? validate(teacherPredictor, data.validation) : null;
        const weights: SavedWeights = teacherScore && teacherScore.dice > studentScore.dice ? 'teacher' : 'student';
        const { dense, ...v } = weights === 'teacher' ? teacherScore! : studentScore;
        const isBest = !best || v.dice > best.dice;
        if (isBest) {
          best = { step, weights, ...v, objects: objectMetrics(dense, data.validation, v.threshold, config.mpp) };
          await save(step, weights);
        }
        const { dice, iou, threshold } = studentScore;
        progress.validation = { dice, iou, threshold, best: isBest, ...(teacherScore ? { teacherDice: teacherScore.dice } : {}) };
      }
      opts.onProgress?.(progress);
      // Yield to the event loop so cancel messages and signals are seen between steps.
      await new Promise((r) => setImmediate(r));
    }
    // Without a validation split (or when cancelled before the first validation) keep the last weights.
    const card = best ? await rewriteCard(opts.outDir, buildCard(step)) : await save(step);
    return { outDir: opts.outDir, backend, steps: step, card, cancelled };
  } finally {
    trainer.dispose();
    model.dispose();
  }
}

/** Which weights a checkpoint holds: the trained model's, or its mean teacher's. */
type SavedWeights = 'student' | 'teacher';

/** The final card (total steps and time) over the best step's model, written atomically. */
async function rewriteCard(outDir: string, card: ModelCard): Promise<ModelCard> {
  await writeFileAtomic(path.join(outDir, MODEL_CARD_FILE), JSON.stringify(card, null, 2) + '\n');
  return card;
}

/** One training step on freshly sampled tiles; every tensor made here is disposed here. */
function runStep(trainer: Trainer, data: TrainingData, config: SemiMoeConfig, rng: Rng, supervisedOnly: boolean, rampWeight: number, lr: number) {
  const lab = labelledBatch(sampleTiles(data.labelled, config.batchLabelled, config.inputSize, rng), config);
  let unl: UnlabelledBatch | null = null;
  if (!supervisedOnly) {
    const tiles = sampleTiles(data.unlabelled, config.batchUnlabelled, config.inputSize, rng);
    const student = config.pseudoLabelView === 'weak-strong' ? tiles.map((t) => colourJitter(t, rng, config.strongJitter)) : undefined;
    unl = unlabelledBatch(tiles, config, student);
  }
  try {
    return trainer.step(lab, unl, rampWeight, lr);
  } finally {
    tf.dispose([lab.images, lab.masks, lab.sdf, lab.bnd]);
    if (unl) tf.dispose(unl.studentImages ? [unl.images, unl.studentImages] : [unl.images]);
  }
}

/** Pooled pixel Dice/IoU on the validation images for every threshold; the best one wins. */
export function validate(
  p: Predictor,
  images: readonly LabelledImage[],
): { threshold: number; dice: number; iou: number; sweep: ThresholdScore[]; dense: DenseOutputs[] } {
  const inter = new Float64Array(THRESHOLDS.length);
  const predSum = new Float64Array(THRESHOLDS.length);
  let truthSum = 0;
  const dense: DenseOutputs[] = [];
  for (const img of images) {
    const out = predictDense(p, img.rgb, img.width, img.height);
    dense.push(out);
    const fg = out.fg;
    for (let i = 0; i < fg.length; i++) {
      const t = img.labels![i] > 0;
      if (t) truthSum++;
      for (let k = 0; k < THRESHOLDS.length; k++) {
        if (fg[i] > THRESHOLDS[k]) {
          predSum[k]++;
          if (t) inter[k]++;
        }
      }
    }
  }
  const sweep = THRESHOLDS.map((threshold, k) => {
    const denom = predSum[k] + truthSum;
    return {
      threshold,
      dice: denom === 0 ? 1 : (2 * inter[k]) / denom,
      iou: denom - inter[k] === 0 ? 1 : inter[k] / (denom - inter[k]),
    };
  });
  const top = sweep.reduce((a, b) => (b.dice > a.dice ? b : a));
  return { ...top, sweep, dense };
}

/** GlaS object metrics (at model resolution) of dense outputs already computed by `validate`. */
export function objectMetrics(dense: readonly DenseOutputs[], images: readonly LabelledImage[], threshold: number, mpp: number): MeanMetrics {
  const per = images.map((img, k) => {
    const inst = extractInstances(dense[k], { threshold, minArea: minGlandArea(mpp) });
    return evaluateInstances(inst, { width: img.width, height: img.height, labels: img.labels! });
  });
  return meanMetrics(per);
}
