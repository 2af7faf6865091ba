/**
 * Retraining for the engine: snapshot the labelled data, fine-tune the active model in a
 * trainer process of its own (prediction keeps its own, so the viewer can still predict while
 * this trains), and register the result as a new model version that is NOT active: the user
 * compares it with the previous model and activates it or not.
 *
 * Failure policy: whatever happens to the trainer (error, crash, kill) the registry and the
 * annotations are not touched; only a completed job registers a version, and only after its
 * model folder was written whole (the job writes it atomically before reporting 'done').
 */
import type Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ModelVersionInfo, TrainingFinished, TrainingProgress, TrainingStatus } from '../api/contract';
import { ApiError } from '../api/errors';
import type { AnnotationStore } from '../annotations/store';
import type { ModelRegistry } from '../engine/model-registry';
import type { FieldStore } from '../inference/field-store';
import { readModelJson } from '../semimoe/checkpoint';
import { TrainerHost, type TrainerHostOptions } from '../trainer/host';
import type { ProgressUpdate } from '../trainer/protocol';
import type { FieldMetrics } from './evaluate';
import type { RetrainJobParams, RetrainJobResult } from './retrain-params';
import { doneFields, snapshotTrainingData, type SnapshotSummary } from './snapshot';

export interface RetrainDeps {
  db: Database.Database;
  projectDir: string;
  glands: AnnotationStore;
  fields: FieldStore;
  models: ModelRegistry;
  /** The file of a project slide (the `slides` table), or null. */
  slidePath(slideId: string): string | null;
  onProgress(p: TrainingProgress): void;
  onFinished(f: TrainingFinished): void;
  /** Tests and the CLI: the trainer's backend, seed, snapshot size, host options. */
  options?: RetrainOptions;
}

export interface RetrainOptions {
  backend?: string;
  seed?: number;
  maxUnlabelledTiles?: number;
  host?: TrainerHostOptions;
}

/** Longest budget accepted (a night); the schema bounds what the UI may send as well. */
export const MAX_BUDGET_SECONDS = 12 * 3600;
const DEFAULT_MAX_UNLABELLED_TILES = 48;

export class RetrainService {
  private readonly host: TrainerHost;
  private current: { jobId: string; cancelled: boolean; progress: TrainingProgress | null; budget: number; done: Promise<void> } | null = null;
  private last: TrainingFinished | null = null;
  private counter = 0;

  constructor(private readonly deps: RetrainDeps) {
    this.host = new TrainerHost(deps.options?.host);
  }

  /** The trainer process id while one runs (the fault tests kill it). */
  get trainerPid(): number | undefined {
    return this.host.pid;
  }

  /**
   * Starts a run and returns at once; the run reports through onProgress and ends with exactly
   * one onFinished. Refused while a run is going ('conflict') and without done training fields
   * ('invalid-request').
   */
  async start(budgetSeconds: number): Promise<{ jobId: string }> {
    if (!(budgetSeconds > 0 && budgetSeconds <= MAX_BUDGET_SECONDS)) {
      throw new ApiError('invalid-request', `The training budget must be between 1 second and ${MAX_BUDGET_SECONDS / 3600} hours`);
    }
    await this.deps.models.ensureStarter();
    // From here to the reservation below nothing awaits, so two quick clicks cannot both start.
    if (this.current) throw new ApiError('conflict', 'A retraining run is already going; wait for it or cancel it');
    const data = this.dataSummary();
    if (data.labelledFields === 0) {
      throw new ApiError('invalid-request', 'There are no done fields in the training split to learn from: review some fields and mark them done first.');
    }
    const parent = this.deps.models.active();
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
    const jobId = `retrain-${stamp}-${++this.counter}`;
    const run = { jobId, cancelled: false, progress: null as TrainingProgress | null, budget: budgetSeconds, done: Promise.resolve() };
    this.current = run;
    run.done = this.execute(jobId, budgetSeconds, parent).then(
      (finished) => this.finish(finished),
      (error: unknown) => this.finish(this.ended(jobId, 'failed', `Retraining failed: ${(error as Error).message}`, parent.id)),
    );
    return { jobId };
  }

  /** Asks the running job to stop; it ends with status 'cancelled' and no new version. */
  cancel(): boolean {
    if (!this.current) return false;
    this.current.cancelled = true;
    if (this.host.running) this.host.cancel();
    return true;
  }

  status(): TrainingStatus {
    const data = this.dataSummary();
    return {
      running: this.current !== null,
      jobId: this.current?.jobId ?? null,
      progress: this.current?.progress ?? null,
      last: this.last,
      data,
    };
  }

  /** Stops a running job and waits until it has ended (before the database closes). */
  async close(): Promise<void> {
    const run = this.current;
    if (!run) return;
    this.cancel();
    await run.done;
  }

  private dataSummary(): TrainingStatus['data'] {
    const { train, validation } = doneFields(this.deps.db, this.deps.fields);
    return { labelledFields: train.length, validationFields: validation.length };
  }

  private async execute(jobId: string, budgetSeconds: number, parent: { id: string; dir: string }): Promise<TrainingFinished> {
    const runDir = path.join(this.deps.projectDir, 'training-runs', jobId);
    const config = (await readModelJson(parent.dir)).semimoe.config;
    await mkdir(runDir, { recursive: true });
    let snapshot: SnapshotSummary;
    try {
      snapshot = await snapshotTrainingData(
        { db: this.deps.db, glands: this.deps.glands, fields: this.deps.fields, slidePath: this.deps.slidePath },
        runDir,
        { mpp: config.mpp, tileSize: config.inputSize * 2, maxUnlabelledTiles: this.deps.options?.maxUnlabelledTiles ?? DEFAULT_MAX_UNLABELLED_TILES },
      );
    } catch (error) {
      return this.ended(jobId, 'failed', `Could not collect the training data: ${(error as Error).message}`, parent.id);
    }
    if (this.current?.cancelled) {
      await rm(runDir, { recursive: true, force: true });
      return this.ended(jobId, 'cancelled', 'Retraining was cancelled; nothing changed.', parent.id);
    }
    const versionId = jobId.replace(/^retrain-/, 'v');
    const outDir = path.join(this.deps.projectDir, 'models', versionId);
    const params: RetrainJobParams = {
      runDir,
      parentDir: parent.dir,
      parentId: parent.id,
      outDir,
      budgetSeconds,
      mpp: config.mpp,
      labelledFields: snapshot.labelledFields,
      validationFields: snapshot.validationFields,
      unlabelledTiles: snapshot.unlabelledTiles,
      seed: this.deps.options?.seed,
      backend: this.deps.options?.backend,
    };
    const started = Date.now();
    const outcome = await this.host.start({ kind: 'retrain', id: jobId, params }, { onProgress: (u) => this.progress(jobId, budgetSeconds, started, u) });
    if (outcome.status !== 'done' || !(outcome.result as RetrainJobResult | null) || (outcome.result as RetrainJobResult).cancelled) {
      // A version folder the job may have finished before it died is not registered: remove it.
      await rm(outDir, { recursive: true, force: true });
    }
    if (outcome.status === 'failed') {
      // The snapshot stays (training-runs/) for a look at what the failed run was given.
      const { message, crashed } = outcome.error;
      // A crash's message already says how the process ended ("the trainer process was killed by SIGKILL...").
      const why = crashed ? message : `the trainer reported: ${message}`;
      return this.ended(jobId, 'failed', `Retraining failed: ${why}. The previous model stays active; no annotation was changed.`, parent.id);
    }
    const result = (outcome.status === 'done' ? outcome.result : null) as RetrainJobResult | null;
    if (outcome.status === 'cancelled' || !result || result.cancelled) {
      await rm(runDir, { recursive: true, force: true });
      return this.ended(jobId, 'cancelled', 'Retraining was cancelled; the previous model stays active.', parent.id);
    }
    if (!existsSync(path.join(result.outDir, 'model.json'))) {
      return this.ended(jobId, 'failed', `Retraining finished but its model folder ${result.outDir} is missing`, parent.id);
    }
    const candidate = this.deps.models.register({
      id: versionId,
      parentId: parent.id,
      dir: result.outDir,
      activate: false,
      description: `Retrained on ${snapshot.labelledFields} field${snapshot.labelledFields === 1 ? '' : 's'}`,
      metrics: publicMetrics(result.candidate),
      trainedOn: { labelledFields: snapshot.labelledFields, unlabelledTiles: snapshot.unlabelledTiles, steps: result.steps, seconds: result.seconds },
    });
    const previous = this.withMetrics(parent.id, result.previous);
    const message =
      `Trained ${result.steps} steps in ${result.seconds} s on ${result.backend}` +
      (snapshot.validationFields > 0 ? `; validation Dice ${fmt(result.candidate.dice)} (previous ${fmt(result.previous.dice)})` : '; no validation fields to compare on');
    return { jobId, status: 'done', message, candidate, previous };
  }

  private progress(jobId: string, budgetSeconds: number, started: number, u: ProgressUpdate): void {
    const run = this.current;
    if (!run || run.jobId !== jobId) return;
    // Evaluation stages after training carry no training time: the last one stands.
    const trainSeconds = typeof u.details?.elapsedSeconds === 'number' ? u.details.elapsedSeconds : (run.progress?.elapsedSeconds ?? (Date.now() - started) / 1000);
    const p: TrainingProgress = {
      jobId,
      step: u.step,
      totalSteps: u.totalSteps,
      elapsedSeconds: trainSeconds,
      budgetSeconds,
      // The evaluation stages after training carry no losses: keep the last ones for the chart.
      losses: Object.keys(u.losses).length > 0 ? u.losses : (run.progress?.losses ?? {}),
      weights: Object.keys(u.weights).length > 0 ? u.weights : (run.progress?.weights ?? {}),
      imagesPerSecond: u.imagesPerSecond || (run.progress?.imagesPerSecond ?? 0),
      etaSeconds: u.etaSeconds,
      backend: u.backend,
    };
    run.progress = p;
    this.deps.onProgress(p);
  }

  /** The parent's registry entry with its metrics on this run's validation fields. */
  private withMetrics(id: string, metrics: FieldMetrics | null): ModelVersionInfo | null {
    const info = this.deps.models.get(id);
    if (!info) return null;
    return metrics ? { ...info, metrics: publicMetrics(metrics) } : info;
  }

  private ended(jobId: string, status: 'cancelled' | 'failed', message: string, parentId: string): TrainingFinished {
    return { jobId, status, message, candidate: null, previous: this.withMetrics(parentId, null) };
  }

  private finish(finished: TrainingFinished): void {
    this.current = null;
    this.last = finished;
    this.deps.onFinished(finished);
  }
}

function publicMetrics(m: FieldMetrics): ModelVersionInfo['metrics'] {
  return { dice: m.dice, iou: m.iou, objectF1: m.objectF1 };
}

function fmt(v: number | null): string {
  return v === null ? 'n/a' : v.toFixed(3);
}
