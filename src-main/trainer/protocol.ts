/**
 * The messages between the main process (parent) and the trainer process (child). They
 * cross a process boundary as JSON, so they hold plain data only, and each side validates
 * what it receives (a child that crashed mid-write or runs other code must not be trusted).
 */

/** A unit of work for the trainer process; `kind` picks the job runner (see jobs.ts). */
export interface TrainJob {
  kind: string;
  /** Caller's label, echoed in logs. */
  id?: string;
  /** The runner's own parameters (plain JSON); the runner validates them. */
  params?: unknown;
}

export type ParentMessage = { type: 'start'; job: TrainJob } | { type: 'cancel' };

export interface ProgressUpdate {
  step: number;
  /** Null when the run is bounded by time rather than steps. */
  totalSteps: number | null;
  /** Fractional epoch of the schedule, or null if the job has none. */
  epoch: number | null;
  losses: Record<string, number>;
  /** Learned objective weights (the adaptive multi-objective loss), by name. */
  weights: Record<string, number>;
  imagesPerSecond: number;
  etaSeconds: number | null;
  /** Which backend runs, as describeBackend() says it. */
  backend: string;
  /** Anything job-specific (learning rate, validation scores), plain JSON. */
  details?: Record<string, unknown>;
}

export type ProgressMessage = { type: 'progress' } & ProgressUpdate;
export interface CheckpointMessage {
  type: 'checkpoint';
  /** A complete, loadable model directory (written atomically). */
  path: string;
  step: number;
}
export interface DoneMessage {
  type: 'done';
  result: unknown;
}
export interface ErrorMessage {
  type: 'error';
  message: string;
  stack?: string;
}
export interface LogMessage {
  type: 'log';
  message: string;
}

export type ChildMessage = ProgressMessage | CheckpointMessage | DoneMessage | ErrorMessage | LogMessage;

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isNumberOrNull = (value: unknown): value is number | null => value === null || isFiniteNumber(value);

/** JSON turns NaN and Infinity into null; a loss record may legitimately carry such a value. */
function isNumberRecord(value: unknown): value is Record<string, number> {
  return isObject(value) && Object.values(value).every((v) => typeof v === 'number' || v === null);
}

function fail(what: string, raw: unknown): never {
  const text = JSON.stringify(raw) ?? String(raw);
  throw new ProtocolError(`invalid ${what}: ${text.length > 200 ? `${text.slice(0, 200)}...` : text}`);
}

export function parseTrainJob(raw: unknown): TrainJob {
  if (!isObject(raw) || typeof raw.kind !== 'string' || raw.kind.length === 0) fail('job', raw);
  if (raw.id !== undefined && typeof raw.id !== 'string') fail('job id', raw);
  return { kind: raw.kind, id: raw.id as string | undefined, params: raw.params };
}

export function parseParentMessage(raw: unknown): ParentMessage {
  if (!isObject(raw)) fail('parent message', raw);
  if (raw.type === 'cancel') return { type: 'cancel' };
  if (raw.type === 'start') return { type: 'start', job: parseTrainJob(raw.job) };
  fail('parent message', raw);
}

export function parseChildMessage(raw: unknown): ChildMessage {
  if (!isObject(raw)) fail('trainer message', raw);
  switch (raw.type) {
    case 'progress': {
      const ok =
        isFiniteNumber(raw.step) &&
        isNumberOrNull(raw.totalSteps) &&
        isNumberOrNull(raw.epoch) &&
        isNumberRecord(raw.losses) &&
        isNumberRecord(raw.weights) &&
        isFiniteNumber(raw.imagesPerSecond) &&
        isNumberOrNull(raw.etaSeconds) &&
        typeof raw.backend === 'string' &&
        (raw.details === undefined || isObject(raw.details));
      if (!ok) fail('progress message', raw);
      return raw as unknown as ProgressMessage;
    }
    case 'checkpoint':
      if (typeof raw.path !== 'string' || !isFiniteNumber(raw.step)) fail('checkpoint message', raw);
      return { type: 'checkpoint', path: raw.path, step: raw.step };
    case 'done':
      return { type: 'done', result: raw.result };
    case 'error':
      if (typeof raw.message !== 'string' || (raw.stack !== undefined && typeof raw.stack !== 'string')) fail('error message', raw);
      return { type: 'error', message: raw.message, stack: raw.stack as string | undefined };
    case 'log':
      if (typeof raw.message !== 'string') fail('log message', raw);
      return { type: 'log', message: raw.message };
    default:
      fail('trainer message', raw);
  }
}
