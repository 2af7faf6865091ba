import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ModelVersionInfo, TrainingFinished, TrainingProgress, TrainingStatus } from '../../src-main/api/contract';
import { useModelStore } from './models';
import { useNoticeStore } from './notices';
import { EMPTY_RUN, formatDuration, reduceProgress, termNames, thin, useTrainingStore, type ProgressPoint } from './training';
import { fakeEngine } from './fake-engine.test-support';

function progress(step: number, jobId = 'job1', extra: Partial<TrainingProgress> = {}): TrainingProgress {
  return {
    jobId, step, totalSteps: null, elapsedSeconds: step, budgetSeconds: 60, losses: { mask: 1 / (step + 1), total: 2 / (step + 1) },
    weights: { mask: 1, sdf: 0.5 }, imagesPerSecond: 4, etaSeconds: 60 - step, backend: 'wasm', ...extra,
  };
}

function version(id: string, active: boolean, dice: number | null): ModelVersionInfo {
  return { id, parentId: null, createdAt: `2026-01-0${id.length}T00:00:00Z`, active, description: id, trainedOn: null, metrics: { dice, iou: null, objectF1: null } };
}

describe('reduceProgress', () => {
  it('appends points of the same job and keeps the latest report', () => {
    let s = reduceProgress(EMPTY_RUN, progress(1));
    s = reduceProgress(s, progress(2));
    expect(s.jobId).toBe('job1');
    expect(s.points.map((p) => p.step)).toEqual([1, 2]);
    expect(s.latest?.step).toBe(2);
  });

  it('starts over on another job', () => {
    const s = reduceProgress(reduceProgress(EMPTY_RUN, progress(5)), progress(1, 'job2'));
    expect(s.jobId).toBe('job2');
    expect(s.points.map((p) => p.step)).toEqual([1]);
  });

  it('replaces a repeated step and drops one older than the last', () => {
    let s = reduceProgress(EMPTY_RUN, progress(1));
    s = reduceProgress(s, progress(2));
    s = reduceProgress(s, progress(2, 'job1', { losses: { mask: 9 } }));
    expect(s.points.map((p) => p.step)).toEqual([1, 2]);
    expect(s.points[1].losses).toEqual({ mask: 9 });
    const after = reduceProgress(s, progress(1));
    expect(after).toBe(s);
  });

  it('thins older points past the cap, keeping the first and the recent ones', () => {
    let s = EMPTY_RUN;
    for (let i = 0; i < 50; i++) s = reduceProgress(s, progress(i), 20);
    expect(s.points.length).toBeLessThanOrEqual(20);
    expect(s.points[0].step).toBe(0);
    expect(s.points[s.points.length - 1].step).toBe(49);
    const steps = s.points.map((p) => p.step);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
  });
});

describe('thin and termNames', () => {
  const point = (step: number, losses: Record<string, number> = {}): ProgressPoint => ({ step, elapsedSeconds: step, losses, weights: {} });
  it('drops every other older point', () => {
    expect(thin([0, 1, 2, 3, 4, 5, 6, 7].map((s) => point(s))).map((p) => p.step)).toEqual([0, 2, 4, 5, 6, 7]);
  });
  it('lists terms in first-seen order, including late ones', () => {
    expect(termNames([point(0, { mask: 1 }), point(1, { mask: 1, unsup: 2 })], 'losses')).toEqual(['mask', 'unsup']);
  });
});

describe('formatDuration', () => {
  it('reads as a person would say it', () => {
    expect(formatDuration(null)).toBe('–');
    expect(formatDuration(12.4)).toBe('12 s');
    expect(formatDuration(245)).toBe('4 min 05 s');
    expect(formatDuration(3 * 3600 + 120)).toBe('3 h 02 min');
  });
});

const flush = () => new Promise((r) => setTimeout(r, 0));
const STATUS: TrainingStatus = { running: false, jobId: null, progress: null, last: null, data: { labelledFields: 2, validationFields: 1 } };

describe('useTrainingStore', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('starts with the budget, charts progress events, and on done lists the new version', async () => {
    const versions = [version('a', true, 0.7)];
    const { calls, emit } = fakeEngine({
      'train:start': () => ({ jobId: 'job1' }),
      'train:status': () => STATUS,
      'models:list': () => versions,
    });
    const training = useTrainingStore();
    training.listen();
    training.setBudget(3);
    expect(training.budgetSeconds).toBe(10);
    expect(await training.start()).toBe(true);
    expect(calls.find((c) => c.channel === 'train:start')?.body).toEqual({ budgetSeconds: 10 });
    expect(training.status).toBe('training');
    emit('train:progress', progress(1));
    emit('train:progress', progress(2));
    expect(training.points).toHaveLength(2);
    expect(training.latest?.step).toBe(2);

    versions.push(version('bb', false, 0.8));
    const finished: TrainingFinished = { jobId: 'job1', status: 'done', message: 'ok', candidate: versions[1], previous: versions[0] };
    emit('train:finished', finished);
    expect(training.status).toBe('done');
    expect(training.result).toEqual(finished);
    // A report arriving late must not reopen the run.
    emit('train:progress', progress(3));
    expect(training.status).toBe('done');
    await flush();
    expect(useModelStore().versions.map((v) => v.id)).toEqual(['a', 'bb']);
  });

  it('reports a refused start as an error notice and stays idle', async () => {
    fakeEngine({ 'train:start': () => Promise.reject({ code: 'invalid-request', message: 'No done training fields' }) });
    const training = useTrainingStore();
    expect(await training.start()).toBe(false);
    expect(training.status).toBe('idle');
    expect(useNoticeStore().notices.at(-1)).toMatchObject({ kind: 'error', message: 'No done training fields' });
  });

  it('a failed run is an error notice; a cancelled one is information', async () => {
    const { emit } = fakeEngine({ 'models:list': () => [], 'train:status': () => STATUS });
    const training = useTrainingStore();
    training.listen();
    emit('train:finished', { jobId: 'j', status: 'failed', message: 'The trainer process exited (killed)', candidate: null, previous: null });
    expect(training.status).toBe('failed');
    expect(useNoticeStore().notices.at(-1)).toMatchObject({ kind: 'error', message: 'The trainer process exited (killed)' });
    emit('train:finished', { jobId: 'k', status: 'cancelled', message: 'Cancelled after 3 steps', candidate: null, previous: null });
    expect(training.status).toBe('cancelled');
    expect(useNoticeStore().notices.at(-1)?.kind).toBe('info');
  });

  it('picks up a run already going from train:status', async () => {
    fakeEngine({ 'train:status': () => ({ ...STATUS, running: true, jobId: 'job7', progress: progress(12, 'job7') }) });
    const training = useTrainingStore();
    await training.load();
    expect(training.status).toBe('training');
    expect(training.running).toBe(true);
    expect(training.run.jobId).toBe('job7');
    expect(training.points.map((p) => p.step)).toEqual([12]);
    expect(training.data).toEqual(STATUS.data);
  });

  it('cancels, and goes back to training when the engine refuses', async () => {
    let refuse = true;
    const { calls } = fakeEngine({
      'train:start': () => ({ jobId: 'job1' }),
      'train:cancel': () => (refuse ? Promise.reject({ code: 'internal', message: 'trainer busy' }) : { cancelled: true }),
    });
    const training = useTrainingStore();
    await training.start();
    await training.cancel();
    expect(training.status).toBe('training');
    refuse = false;
    await training.cancel();
    expect(training.status).toBe('cancelling');
    expect(calls.filter((c) => c.channel === 'train:cancel')).toHaveLength(2);
  });

  it('activating the candidate makes it the active version', async () => {
    let versions = [version('a', true, 0.7), version('bb', false, 0.8)];
    const { calls } = fakeEngine({
      'models:activate': (body) => (versions = versions.map((v) => ({ ...v, active: v.id === body.id }))),
    });
    const training = useTrainingStore();
    training.onFinished({ jobId: 'j', status: 'done', message: '', candidate: versions[1], previous: versions[0] });
    await training.activateCandidate();
    expect(calls.find((c) => c.channel === 'models:activate')?.body).toEqual({ id: 'bb' });
    expect(training.decision).toBe('activated');
    expect(useModelStore().active?.id).toBe('bb');
    expect(useModelStore().history.map((v) => v.id)).toEqual(['bb', 'a']);
  });
});
