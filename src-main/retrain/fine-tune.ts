/**
 * The body of the 'retrain' job (trainer process): fine-tune the parent model on a snapshot,
 * score the new and the parent model on the snapshot's validation fields, and write the new
 * model folder whole (atomic), with a model card that records both scores and the data.
 *
 * Imported only after the gradient hook is registered (see retrain-job.ts): it loads tfjs.
 */
import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MODEL_JSON, WEIGHTS_BIN } from '../semimoe/checkpoint';
import { MODEL_CARD_FILE } from '../semimoe/model-card';
import { trainSemiMoe, type TrainProgress } from '../semimoe/train';
import { writeDirAtomic } from '../trainer/atomic-write';
import { EvaluationCancelled, evaluateOnFields, type FieldMetrics } from './evaluate';
import type { RetrainJobParams, RetrainJobResult } from './retrain-params';

/**
 * A tenth of the from-scratch learning rate (0.5): a few minutes on a few fields should adjust
 * the parent, not relearn it; at 0.5 the first steps on a handful of fields undo much of what
 * the parent knew.
 */
export const FINE_TUNE_LR = 0.05;

/**
 * Retrain's unlabelled term: the reference same-pass pseudo-labels, whatever the parent was
 * trained with. The default weak-strong view with a mean teacher (config.ts) was measured on
 * long runs from scratch only, and loses at 300 steps; Retrain's rounds are shorter, and the
 * active-learning simulation (issue 6) that measured them used this view.
 */
export const FINE_TUNE_PSEUDO_LABELS = { pseudoLabelView: 'same-pass', teacherEmaDecay: 0 } as const;

export interface FineTuneHooks {
  signal: AbortSignal;
  progress(p: TrainProgress): void;
  stage(stage: 'evaluate-candidate' | 'evaluate-previous' | 'write'): void;
}

export async function fineTune(params: RetrainJobParams, hooks: FineTuneHooks): Promise<RetrainJobResult> {
  const workDir = path.join(params.runDir, 'model');
  const started = Date.now();
  const trained = await trainSemiMoe({
    dataDir: path.join(params.runDir, 'train'),
    labeledFraction: 1,
    // The snapshot's validation fields (possibly none: then the last weights are kept).
    validationDir: path.join(params.runDir, 'validation'),
    supervisedOnly: params.unlabelledTiles === 0,
    outDir: workDir,
    timeBudgetSeconds: params.budgetSeconds,
    initFrom: params.parentDir,
    sourceMpp: params.mpp,
    seed: params.seed,
    backend: params.backend,
    config: { lr: params.lr ?? FINE_TUNE_LR, ...FINE_TUNE_PSEUDO_LABELS },
    signal: hooks.signal,
    onProgress: hooks.progress,
  });
  if (trained.cancelled) {
    await rm(workDir, { recursive: true, force: true });
    return { cancelled: true };
  }
  const validationDir = path.join(params.runDir, 'validation');
  let candidate: FieldMetrics;
  let previous: FieldMetrics;
  try {
    hooks.stage('evaluate-candidate');
    candidate = await evaluateOnFields(workDir, validationDir, params.mpp, { backend: params.backend, signal: hooks.signal });
    hooks.stage('evaluate-previous');
    previous = await evaluateOnFields(params.parentDir, validationDir, params.mpp, { backend: params.backend, signal: hooks.signal });
  } catch (error) {
    if (!(error instanceof EvaluationCancelled)) throw error;
    await rm(workDir, { recursive: true, force: true });
    return { cancelled: true };
  }
  if (hooks.signal.aborted) {
    await rm(workDir, { recursive: true, force: true });
    return { cancelled: true };
  }
  hooks.stage('write');
  const card = JSON.parse(await readFile(path.join(workDir, MODEL_CARD_FILE), 'utf8')) as Record<string, unknown>;
  const retrain = {
    parentId: params.parentId,
    snapshot: params.runDir,
    labelledFields: params.labelledFields,
    validationFields: params.validationFields,
    unlabelledTiles: params.unlabelledTiles,
    budgetSeconds: params.budgetSeconds,
    projectValidation: { candidate, previous },
  };
  await writeDirAtomic(params.outDir, async (tmp) => {
    await copyFile(path.join(workDir, MODEL_JSON), path.join(tmp, MODEL_JSON));
    await copyFile(path.join(workDir, WEIGHTS_BIN), path.join(tmp, WEIGHTS_BIN));
    await writeFile(path.join(tmp, MODEL_CARD_FILE), JSON.stringify({ ...card, name: `${String(card.name)}-retrained`, retrain }, null, 2) + '\n');
  });
  await rm(workDir, { recursive: true, force: true });
  return {
    cancelled: false,
    outDir: params.outDir,
    backend: trained.backend,
    steps: trained.steps,
    seconds: Math.round((Date.now() - started) / 1000),
    candidate,
    previous,
  };
}

export type { FieldMetrics };
