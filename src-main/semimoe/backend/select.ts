/**
 * Choosing the backend the trainer runs on: the first of tfjs-node-gpu > tfjs-node > wasm >
 * cpu that starts (from the preferred one down), with the reason each faster one did not;
 * then a check that the chosen one has every kernel and gradient training needs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BACKEND_CANDIDATES, type BackendCandidate, type BackendId } from './candidates';
import { registerTrainingGradients } from './gradients';
import { checkTrainingKernels, TRAINING_KERNELS } from './kernel-check';

export type { BackendId } from './candidates';
export type BackendPreference = 'auto' | BackendId;

export interface BackendAttempt {
  id: BackendId;
  ok: boolean;
  /** Why it did not start (first line of the error); absent when it did. */
  reason?: string;
}

export interface BackendChoice {
  /** The active tfjs backend: 'tensorflow', 'wasm' or 'cpu'. */
  name: string;
  /** For the UI and CLI, e.g. "wasm (SIMD, 1 thread)". */
  detail: string;
  id: BackendId;
  /** Every candidate tried, in order, the chosen one last. */
  attempts: BackendAttempt[];
}

export interface InitBackendOptions {
  /** Replaces the built-in list (tests use it to make a backend fail). */
  candidates?: readonly BackendCandidate[];
  /** Kernels the chosen backend must have (default: TRAINING_KERNELS). */
  requiredKernels?: readonly string[];
}

export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', ...BACKEND_CANDIDATES.map((c) => c.id)];

let current: BackendChoice | null = null;
/** The preference `current` answered, when it came from the built-in candidates. */
let currentPreference: BackendPreference | null = null;

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n').find((line) => line.trim().length > 0)?.trim() ?? 'unknown error';
}

export function isBackendPreference(value: unknown): value is BackendPreference {
  return typeof value === 'string' && (BACKEND_PREFERENCES as readonly string[]).includes(value);
}

/**
 * Makes a backend active for training and returns which, and why faster ones were passed
 * over. A named preference starts the search there (so 'wasm' never tries tfjs-node) and
 * falls back to slower ones; 'auto' starts at the top. Calling again with the same
 * preference while its choice is still active returns that choice.
 * Throws if no candidate starts, or MissingKernelsError if the chosen one cannot train.
 */
export async function initBackend(pref: BackendPreference = 'auto', options: InitBackendOptions = {}): Promise<BackendChoice> {
  const candidates = options.candidates ?? BACKEND_CANDIDATES;
  const start = pref === 'auto' ? 0 : candidates.findIndex((candidate) => candidate.id === pref);
  if (start < 0) throw new Error(`unknown backend '${pref}'; expected one of ${BACKEND_PREFERENCES.join(', ')}`);
  if (current && !options.candidates && currentPreference === pref && tf.engine().backendName === current.name) {
    return current;
  }

  await registerTrainingGradients();
  const attempts: BackendAttempt[] = [];
  for (const candidate of candidates.slice(start)) {
    let loaded;
    try {
      loaded = await candidate.load();
    } catch (error) {
      attempts.push({ id: candidate.id, ok: false, reason: firstLine(error) });
      continue;
    }
    attempts.push({ id: candidate.id, ok: true });
    current = null; // the old choice is no longer active, whatever the check says
    checkTrainingKernels(options.requiredKernels ?? TRAINING_KERNELS, loaded.name);
    current = { ...loaded, id: candidate.id, attempts };
    currentPreference = options.candidates ? null : pref;
    return current;
  }
  current = null;
  currentPreference = null;
  throw new Error(`no tfjs backend could start: ${attempts.map((a) => `${a.id}: ${a.reason}`).join('; ')}`);
}

/** The choice initBackend made, while it is still the active backend. */
export function activeBackend(): BackendChoice | null {
  return current && tf.engine().backendName === current.name ? current : null;
}

/** One line for the UI and CLI: "wasm (SIMD, 1 thread)", or the bare tfjs name if chosen elsewhere. */
export function describeBackend(): string {
  const choice = activeBackend();
  if (choice) return choice.detail;
  // engine().backendName, unlike tf.getBackend(), does not initialise a backend to answer.
  return tf.engine().backendName ?? 'no backend';
}
