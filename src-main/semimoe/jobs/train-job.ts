/**
 * The 'train' job, run inside the trainer process: validates its parameters, runs
 * trainSemiMoe, and turns its progress into the trainer's messages. Cancel arrives as the
 * AbortSignal and is honoured between steps; the model directory is only ever replaced whole
 * (atomic write), so a cancel or a crash never leaves a half-written model.
 */
import { registerTrainingGradients } from '../backend/gradients';
import type { TrainProgress, TrainResult } from '../train';

/** What a 'train' job is started with (plain JSON, it crosses a process boundary). */
export interface TrainJobParams {
  dataDir: string;
  labeledFraction: number;
  outDir: string;
  supervisedOnly?: boolean;
  validationFraction?: number;
  steps?: number;
  epochs?: number;
  timeBudgetSeconds?: number;
  seed?: number;
  backend?: string;
  sourceMpp?: number;
  config?: Record<string, unknown>;
  /** Fine-tune from this model directory (see TrainOptions.initFrom). */
  initFrom?: string;
  /** Explicit validation folder (see TrainOptions.validationDir). */
  validationDir?: string;
}

/**
 * The progress message payload: the training loop's own report, with a non-finite ETA sent as
 * null (JSON has no Infinity, and the parent must not see a surprise).
 */
export type TrainJobProgress = TrainProgress;

export interface TrainJobContext {
  signal: AbortSignal;
  progress(p: TrainJobProgress): void;
  /** A better model was written to outDir (a checkpoint the app may load). */
  checkpoint?(info: { outDir: string; step: number; dice: number; threshold: number }): void;
}

export interface TrainJobResult {
  outDir: string;
  backend: string;
  steps: number;
  cancelled: boolean;
  validation: TrainResult['card']['validation'];
}

export function parseTrainJobParams(raw: unknown): TrainJobParams {
  if (typeof raw !== 'object' || raw === null) throw new Error('train job: parameters must be an object');
  const p = raw as Record<string, unknown>;
  const str = (k: string) => {
    if (typeof p[k] !== 'string' || (p[k] as string).length === 0) throw new Error(`train job: ${k} must be a non-empty string`);
    return p[k] as string;
  };
  const optNum = (k: string, ok: (n: number) => boolean) => {
    if (p[k] === undefined) return undefined;
    if (typeof p[k] !== 'number' || !ok(p[k] as number)) throw new Error(`train job: invalid ${k}`);
    return p[k] as number;
  };
  const labeledFraction = optNum('labeledFraction', (n) => n > 0 && n <= 1);
  if (labeledFraction === undefined) throw new Error('train job: labeledFraction is required');
  return {
    dataDir: str('dataDir'),
    outDir: str('outDir'),
    labeledFraction,
    supervisedOnly: p.supervisedOnly === true,
    validationFraction: optNum('validationFraction', (n) => n >= 0 && n < 1),
    steps: optNum('steps', (n) => Number.isInteger(n) && n > 0),
    epochs: optNum('epochs', (n) => n > 0),
    timeBudgetSeconds: optNum('timeBudgetSeconds', (n) => n > 0),
    seed: optNum('seed', Number.isInteger),
    backend: typeof p.backend === 'string' ? p.backend : undefined,
    sourceMpp: optNum('sourceMpp', (n) => n > 0),
    initFrom: typeof p.initFrom === 'string' && p.initFrom.length > 0 ? p.initFrom : undefined,
    validationDir: typeof p.validationDir === 'string' && p.validationDir.length > 0 ? p.validationDir : undefined,
    config: typeof p.config === 'object' && p.config !== null ? (p.config as Record<string, unknown>) : undefined,
  };
}

export async function runTrainJob(raw: unknown, ctx: TrainJobContext): Promise<TrainJobResult> {
  const params = parseTrainJobParams(raw);
  // The engine is imported after the gradient hook (backend/gradients.ts): plain Node cannot
  // load tfjs-core's gradient registry that model.ts imports without it.
  await registerTrainingGradients();
  const { trainSemiMoe } = await import('../train');
  const result = await trainSemiMoe({
    ...params,
    config: params.config as never,
    signal: ctx.signal,
    onProgress: (p) => {
      ctx.progress({ ...p, etaSeconds: p.etaSeconds !== null && Number.isFinite(p.etaSeconds) ? p.etaSeconds : null });
      if (p.validation?.best) ctx.checkpoint?.({ outDir: params.outDir, step: p.step, dice: p.validation.dice, threshold: p.validation.threshold });
    },
  });
  return { outDir: result.outDir, backend: result.backend, steps: result.steps, cancelled: result.cancelled, validation: result.card.validation };
}
