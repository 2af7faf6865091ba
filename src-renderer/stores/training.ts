import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { TrainingFinished, TrainingProgress, TrainingStatus } from '../../src-main/api/contract';
import { errorMessage } from '../api';
import { useApi } from '../composables/useApi';
import { useModelStore } from './models';
import { useNoticeStore } from './notices';

export type TrainingRunStatus = 'idle' | 'starting' | 'training' | 'cancelling' | 'done' | 'cancelled' | 'failed';
/** What the user did with a finished run's candidate. */
export type CandidateDecision = 'pending' | 'activating' | 'activated' | 'kept';

/** The budget the schema accepts (train:start): below 10 s no step completes. */
export const MIN_BUDGET_SECONDS = 10;
export const MAX_BUDGET_SECONDS = 12 * 3600;
/** Five minutes: long enough for a visible gain on a few fields, short enough to wait for. */
export const DEFAULT_BUDGET_SECONDS = 300;
/**
 * Progress points kept for the chart. A night-long run reports thousands; past this the older
 * points are thinned, so the chart keeps the whole run's shape at a bounded cost per redraw.
 */
export const MAX_POINTS = 400;

/** One charted moment of a run. */
export interface ProgressPoint {
  step: number;
  elapsedSeconds: number;
  losses: Record<string, number>;
  weights: Record<string, number>;
}

export interface RunState {
  jobId: string | null;
  latest: TrainingProgress | null;
  points: ProgressPoint[];
}

export const EMPTY_RUN: RunState = { jobId: null, latest: null, points: [] };

/** Every other point of the older half dropped (the first always kept): the recent part stays sharp. */
export function thin(points: ProgressPoint[]): ProgressPoint[] {
  const half = Math.floor(points.length / 2);
  const older = points.slice(0, half).filter((_, i) => i % 2 === 0);
  return [...older, ...points.slice(half)];
}

/**
 * The run state after a progress report. A report of another job starts a new run (the panel
 * may have missed the start: another window, a reload); a report for a step already charted
 * replaces it (events can repeat after the stream reconnects) and an older one is dropped.
 */
export function reduceProgress(state: RunState, p: TrainingProgress, max = MAX_POINTS): RunState {
  const base = state.jobId === p.jobId ? state : { ...EMPTY_RUN, jobId: p.jobId };
  const point: ProgressPoint = { step: p.step, elapsedSeconds: p.elapsedSeconds, losses: { ...p.losses }, weights: { ...p.weights } };
  const last = base.points[base.points.length - 1];
  if (last && p.step < last.step) return base;
  let points = last && last.step === p.step ? [...base.points.slice(0, -1), point] : [...base.points, point];
  if (points.length > max) points = thin(points);
  return { jobId: p.jobId, latest: p, points };
}

/** Names of the terms over all points, in first-seen order (a term may appear late: unsup). */
export function termNames(points: ProgressPoint[], field: 'losses' | 'weights'): string[] {
  const seen = new Set<string>();
  for (const p of points) for (const name of Object.keys(p[field])) seen.add(name);
  return [...seen];
}

/** Seconds as "4 min 05 s" / "12 s". */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h ? `${h} h ${String(m).padStart(2, '0')} min` : `${m} min ${rest} s`;
}

/**
 * Retraining (train:*): the budget, the run in progress as the engine reports it, how it ended,
 * and what the user decides about the candidate model. The engine is the truth: on start the
 * panel asks train:status, since a run may already be going (started before a reload).
 */
export const useTrainingStore = defineStore('training', () => {
  const status = ref<TrainingRunStatus>('idle');
  const budgetSeconds = ref(DEFAULT_BUDGET_SECONDS);
  const run = ref<RunState>(EMPTY_RUN);
  const result = ref<TrainingFinished | null>(null);
  const decision = ref<CandidateDecision>('pending');
  const data = ref<TrainingStatus['data'] | null>(null);
  /** Whether the panel shows; training goes on while it is hidden. */
  const panelVisible = ref(false);

  const running = computed(() => status.value === 'starting' || status.value === 'training' || status.value === 'cancelling');
  const latest = computed(() => run.value.latest);
  const points = computed(() => run.value.points);

  function onProgress(p: TrainingProgress): void {
    // A report after the end (late in the stream) must not reopen a finished run.
    if (result.value?.jobId === p.jobId) return;
    run.value = reduceProgress(run.value, p);
    if (status.value !== 'cancelling') status.value = 'training';
  }

  function onFinished(f: TrainingFinished): void {
    if (run.value.jobId !== null && run.value.jobId !== f.jobId && running.value) return;
    result.value = f;
    decision.value = 'pending';
    status.value = f.status;
    const notices = useNoticeStore();
    if (f.status === 'failed') notices.error(f.message, 'Retraining failed; the active model is unchanged');
    else if (f.status === 'cancelled') notices.info(`Training cancelled: ${f.message}. The active model is unchanged.`);
    // A decision waits (or something went wrong): show it even if the panel was hidden.
    if (f.status !== 'cancelled') panelVisible.value = true;
    // The candidate is a new version: the history shows it at once.
    void useModelStore().load();
    void refreshData();
  }

  function listen(): () => void {
    const api = useApi();
    const off = [api.on('train:progress', onProgress), api.on('train:finished', onFinished)];
    return () => off.forEach((u) => u());
  }

  async function refreshData(): Promise<void> {
    try {
      data.value = (await useApi().train.status({})).data;
    } catch {
      // Only the "trains on N fields" line depends on it; load() reports real failures.
    }
  }

  /** What the engine knows: a run going (its latest progress) or how the last one ended. */
  async function load(): Promise<void> {
    try {
      const s = await useApi().train.status({});
      data.value = s.data;
      if (s.running && s.jobId) {
        if (run.value.jobId !== s.jobId) run.value = { ...EMPTY_RUN, jobId: s.jobId };
        if (s.progress) run.value = reduceProgress(run.value, s.progress);
        if (status.value !== 'cancelling') status.value = 'training';
      } else if (s.last && !running.value && result.value === null) {
        result.value = s.last;
        status.value = s.last.status;
        decision.value = s.last.candidate?.active ? 'activated' : 'pending';
      }
    } catch (e) {
      useNoticeStore().error(errorMessage(e), 'Asking the engine about training');
    }
  }

  function setBudget(seconds: number): void {
    if (!Number.isFinite(seconds)) return;
    budgetSeconds.value = Math.min(MAX_BUDGET_SECONDS, Math.max(MIN_BUDGET_SECONDS, Math.round(seconds)));
  }

  async function start(): Promise<boolean> {
    if (running.value) return false;
    status.value = 'starting';
    run.value = EMPTY_RUN;
    result.value = null;
    decision.value = 'pending';
    try {
      const { jobId } = await useApi().train.start({ budgetSeconds: budgetSeconds.value });
      // Progress (or even the end, on a tiny budget) may have come in before this answer.
      if (run.value.jobId === null) run.value = { ...EMPTY_RUN, jobId };
      if (status.value === 'starting') status.value = 'training';
      return true;
    } catch (e) {
      status.value = 'idle';
      useNoticeStore().error(errorMessage(e), 'Starting the retraining');
      return false;
    }
  }

  async function cancel(): Promise<void> {
    if (status.value !== 'training' && status.value !== 'starting') return;
    const before = status.value;
    status.value = 'cancelling';
    try {
      const { cancelled } = await useApi().train.cancel({});
      // Nothing was running any more: the finished event is on its way or already handled.
      if (!cancelled && status.value === 'cancelling') status.value = before;
    } catch (e) {
      if (status.value === 'cancelling') status.value = before;
      useNoticeStore().error(errorMessage(e), 'Cancelling the retraining');
    }
  }

  /** Makes the finished run's candidate the active model (the models store re-predicts). */
  async function activateCandidate(): Promise<void> {
    const candidate = result.value?.candidate;
    if (!candidate || decision.value === 'activating') return;
    decision.value = 'activating';
    const ok = await useModelStore().activate(candidate.id);
    decision.value = ok ? 'activated' : 'pending';
  }

  function keepCurrent(): void {
    decision.value = 'kept';
  }

  return {
    status, budgetSeconds, run, result, decision, data, panelVisible, running, latest, points,
    listen, load, refreshData, setBudget, start, cancel, activateCandidate, keepCurrent, onProgress, onFinished,
  };
});
