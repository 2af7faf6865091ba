/**
 * The 'retrain' job's parameters and result: plain JSON, they cross the process boundary.
 * Kept apart from the job code so the main process can import them without loading tfjs.
 */
import type { FieldMetrics } from './evaluate';

export interface RetrainJobParams {
  /** The snapshot folder (snapshot.ts); the working model is trained in RUN/model. */
  runDir: string;
  /** The model to fine-tune, and its registry id (recorded in the card). */
  parentDir: string;
  parentId: string;
  /** The new version's folder, written whole at the end. */
  outDir: string;
  budgetSeconds: number;
  /** Micrometres per pixel of the snapshot images (the parent's). */
  mpp: number;
  labelledFields: number;
  validationFields: number;
  unlabelledTiles: number;
  seed?: number;
  backend?: string;
  /** Learning rate; default FINE_TUNE_LR. */
  lr?: number;
}

export type RetrainJobResult =
  | { cancelled: true }
  | { cancelled: false; outDir: string; backend: string; steps: number; seconds: number; candidate: FieldMetrics; previous: FieldMetrics };

export function parseRetrainJobParams(raw: unknown): RetrainJobParams {
  if (typeof raw !== 'object' || raw === null) throw new Error('retrain job: parameters must be an object');
  const p = raw as Record<string, unknown>;
  const str = (k: string): string => {
    if (typeof p[k] !== 'string' || (p[k] as string).length === 0) throw new Error(`retrain job: ${k} must be a non-empty string`);
    return p[k] as string;
  };
  const num = (k: string, ok: (n: number) => boolean): number => {
    if (typeof p[k] !== 'number' || !ok(p[k] as number)) throw new Error(`retrain job: invalid ${k}`);
    return p[k] as number;
  };
  const count = (k: string) => num(k, (n) => Number.isInteger(n) && n >= 0);
  return {
    runDir: str('runDir'),
    parentDir: str('parentDir'),
    parentId: str('parentId'),
    outDir: str('outDir'),
    budgetSeconds: num('budgetSeconds', (n) => n > 0),
    mpp: num('mpp', (n) => n > 0),
    labelledFields: count('labelledFields'),
    validationFields: count('validationFields'),
    unlabelledTiles: count('unlabelledTiles'),
    seed: p.seed === undefined ? undefined : num('seed', Number.isInteger),
    backend: typeof p.backend === 'string' ? p.backend : undefined,
    lr: p.lr === undefined ? undefined : num('lr', (n) => n > 0),
  };
}
