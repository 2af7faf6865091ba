import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingFinished, TrainingProgress } from '../api/contract';
import { loadPredictor } from '../semimoe/predict';
import { MODEL_CARD_FILE } from '../semimoe/model-card';
import { sampleProject, type SampleProject } from './test-support';

// A real trainer process (tsx + tfjs + wasm) fine-tuning the starter model for a few seconds.
const TIMEOUT = 120_000;
let project: SampleProject;

beforeAll(async () => {
  project = await sampleProject({ train: 2, validation: 1, retrain: { backend: 'wasm', seed: 3, maxUnlabelledTiles: 3 } });
}, 60_000);
afterAll(async () => project?.remove());

function finished(project: SampleProject): Promise<TrainingFinished> {
  return new Promise((resolve) => {
    const off = project.engine.on('train:finished', (f) => {
      off();
      resolve(f);
    });
  });
}

describe('RetrainService through the engine', () => {
  it(
    'fine-tunes the active model in the trainer process and registers a new, inactive version',
    async () => {
      const { engine } = project;
      const before = await engine.handle('models:list', {});
      const parent = before.find((v) => v.active)!;
      const progress: TrainingProgress[] = [];
      const offProgress = engine.on('train:progress', (p) => progress.push(p));
      const end = finished(project);
      // Below the API's 10 s minimum to keep the test short: the service itself takes any budget.
      const { jobId } = await engine.retrain.start(3);
      await expect(engine.handle('train:start', { budgetSeconds: 10 })).rejects.toMatchObject({ code: 'conflict' });
      const status = await engine.handle('train:status', {});
      expect(status).toMatchObject({ running: true, jobId, data: { labelledFields: 2, validationFields: 1 } });

      const result = await end;
      offProgress();
      expect(result.status, result.message).toBe('done');
      expect(result.jobId).toBe(jobId);
      // Progress: losses and the learned objective weights, the backend, the budget.
      const trainSteps = progress.filter((p) => Object.keys(p.losses).length > 0);
      expect(trainSteps.length).toBeGreaterThan(0);
      expect(trainSteps[0]).toMatchObject({ jobId, budgetSeconds: 3, backend: expect.stringMatching(/^wasm/) });
      expect(Number.isFinite(trainSteps[0].losses.total)).toBe(true);
      expect(Object.keys(trainSteps[0].weights).length).toBeGreaterThan(0);

      const candidate = result.candidate!;
      expect(candidate).toMatchObject({ parentId: parent.id, active: false });
      expect(candidate.trainedOn).toMatchObject({ labelledFields: 2, unlabelledTiles: expect.any(Number) });
      expect(candidate.trainedOn!.steps).toBeGreaterThan(0);
      for (const m of [candidate.metrics, result.previous!.metrics]) {
        expect(m.dice).toBeGreaterThanOrEqual(0);
        expect(m.dice).toBeLessThanOrEqual(1);
        expect(m.iou).toBeGreaterThanOrEqual(0);
      }
      expect(result.previous).toMatchObject({ id: parent.id, active: true });

      // Registered, not active; the model folder is complete, loads, and its card says what it came from.
      const after = await engine.handle('models:list', {});
      expect(after.find((v) => v.active)!.id).toBe(parent.id);
      expect(after.find((v) => v.id === candidate.id)).toMatchObject({ active: false, metrics: candidate.metrics });
      const dir = engine.models.dirOf(candidate.id);
      expect(dir.startsWith(path.join(project.projectDir, 'models'))).toBe(true);
      (await loadPredictor(dir, 'wasm')).dispose();
      const card = JSON.parse(await readFile(path.join(dir, MODEL_CARD_FILE), 'utf8')) as { retrain: { parentId: string; labelledFields: number }; config: Record<string, unknown> };
      expect(card.retrain).toMatchObject({ parentId: parent.id, labelledFields: 2 });
      // Retrain keeps the reference's pseudo-labels (fine-tune.ts), not the from-scratch default.
      expect(card.config).toMatchObject({ pseudoLabelView: 'same-pass', teacherEmaDecay: 0 });
      expect(existsSync(path.join(dir, '..', '..', 'training-runs', jobId, 'snapshot.json'))).toBe(true);

      const done = await engine.handle('train:status', {});
      expect(done).toMatchObject({ running: false, jobId: null, last: { status: 'done', jobId } });
      // The user activates it (or not).
      expect((await engine.handle('models:activate', { id: candidate.id })).find((v) => v.active)!.id).toBe(candidate.id);
      await engine.handle('models:activate', { id: parent.id });
    },
    TIMEOUT,
  );

  it('refuses to start without done training fields', async () => {
    const { engine } = project;
    const done = engine.review.fields.list(project.slideId, 'done').filter((f) => f.split === 'train');
    for (const f of done) engine.review.fields.reopen(f.id);
    try {
      await expect(engine.handle('train:start', { budgetSeconds: 10 })).rejects.toMatchObject({ code: 'invalid-request' });
      expect((await engine.handle('train:status', {})).running).toBe(false);
    } finally {
      for (const f of done) engine.review.fields.markDone(f.id);
    }
  });
});
