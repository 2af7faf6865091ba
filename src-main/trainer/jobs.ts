/**
 * The job runners the trainer process can run, by `job.kind`.
 *
 * JOB_MODULES is the extension point: one line per kind, naming the module that registers
 * that kind's runner (with registerJobRunner) when imported. A module is imported only when a
 * job of its kind starts, so a kind whose code fails to load fails its own jobs, not the
 * trainer process or the other kinds.
 */
import type { ProgressUpdate, TrainJob } from './protocol';

export interface JobContext {
  /** Aborted when the parent asks to cancel (or goes away). Check it between steps. */
  readonly signal: AbortSignal;
  cancelled(): boolean;
  progress(update: ProgressUpdate): void;
  /** Announces a complete model directory (write it with writeDirAtomic first). */
  checkpoint(path: string, step: number): void;
  log(message: string): void;
}

/** Runs one job to completion; its result (plain JSON) becomes the 'done' message. */
export type JobRunner = (job: TrainJob, ctx: JobContext) => Promise<unknown>;

const JOB_MODULES = new Map<string, () => Promise<unknown>>([
  ['selftest', () => import('./selftest-job')],
  ['train', () => import('./train-job')],
  ['predict-region', () => import('./predict-job')],
  ['retrain', () => import('../retrain/retrain-job')],
]);

const runners = new Map<string, JobRunner>();

export function registerJobRunner(kind: string, runner: JobRunner): void {
  runners.set(kind, runner);
}

export function knownJobKinds(): string[] {
  return [...new Set([...JOB_MODULES.keys(), ...runners.keys()])].sort();
}

export async function findJobRunner(kind: string): Promise<JobRunner> {
  const load = JOB_MODULES.get(kind);
  if (!runners.has(kind) && load) await load();
  const runner = runners.get(kind);
  if (!runner) throw new Error(`unknown job kind '${kind}' (known: ${knownJobKinds().join(', ')})`);
  return runner;
}
