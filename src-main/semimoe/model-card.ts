/**
 * The model card saved beside every trained model (model-card.json): how it was trained, on
 * what, and how well it did on its validation split. The app and the CLI show it; it is also
 * where the licence of GlaS-derived weights travels with them.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { MeanMetrics } from './metrics';

export const MODEL_CARD_FILE = 'model-card.json';

export const GLAS_LICENSE_NOTE =
  'GlaS-derived weights: research use only, not for commercial use; cite Sirinukunwattana et al. 2017 ' +
  '(Medical Image Analysis 35:489-502) and Sirinukunwattana et al. 2015 (IEEE TMI).';

export interface ThresholdScore {
  threshold: number;
  dice: number;
  iou: number;
}

export interface ModelCard {
  format: 'semimoe-model-card';
  version: 1;
  name: string;
  createdAt: string;
  method: 'semi-moe' | 'supervised-only';
  /** The model config as saved in the checkpoint (width, input size, mpp, normalisation...). */
  config: unknown;
  data: {
    dir: string;
    labeledFraction: number;
    validationFraction: number;
    labelled: number;
    unlabelled: number;
    validation: number;
    /** Names are kept so a run can be reproduced and audited (never a test set). */
    validationNames: string[];
    labelledNames: string[];
    sourceMpp: number;
  };
  training: {
    steps: number;
    /** The step whose weights were kept (best validation Dice). */
    bestStep: number;
    /** With a mean teacher: whether the kept weights are the trained model's or the teacher's. */
    bestWeights?: 'student' | 'teacher';
    seconds: number;
    backend: string;
    seed: number;
    /** The model whose weights training started from (train --init, a Retrain); absent = fresh weights. */
    initFrom?: string;
    batch: { labelled: number; unlabelled: number };
    finalLossWeights?: Record<string, number>;
  };
  validation: {
    /** Fused-mask threshold chosen on the validation split. */
    threshold: number;
    pixelDice: number;
    pixelIoU: number;
    /** Threshold sweep at the best step. */
    sweep: ThresholdScore[];
    /** Object-level GlaS metrics at the chosen threshold (when computed). */
    objects?: MeanMetrics;
  };
  license: string;
}

export async function readModelCard(modelDir: string): Promise<ModelCard | null> {
  try {
    return JSON.parse(await readFile(path.join(modelDir, MODEL_CARD_FILE), 'utf8')) as ModelCard;
  } catch {
    return null;
  }
}

/** The threshold to use with a model: its card's choice, else 0.5. */
export async function modelThreshold(modelDir: string): Promise<number> {
  const card = await readModelCard(modelDir);
  return card?.validation.threshold ?? 0.5;
}
