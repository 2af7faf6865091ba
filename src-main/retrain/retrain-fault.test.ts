import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingFinished } from '../api/contract';
import { loadPredictor } from '../semimoe/predict';
import { sampleProject, type SampleProject } from './test-support';

const TIMEOUT = 90_000;
let project: SampleProject;

beforeAll(async () => {
  project = await sampleProject({ train: 2, validation: 1, retrain: { backend: 'wasm', seed: 5, maxUnlabelledTiles: 2 } });
}, 60_000);
afterAll(async () => project?.remove());

/** Everything a run could touch in the annotations: the glands and their edit history. */
function dump(p: SampleProject): string {
  const db = p.engine.store.db;
  return JSON.stringify([db.prepare('SELECT * FROM annotations ORDER BY rowid').all(), db.prepare('SELECT * FROM edits ORDER BY seq').all()]);
}

/** Starts a long run and calls `act` at its first training step; resolves with how it ended. */
async function interrupt(p: SampleProject, act: () => void): Promise<TrainingFinished> {
  const { engine } = p;
  const ended = new Promise<TrainingFinished>((resolve) => {
    const off = engine.on('train:finished', (f) => {
      off();
      resolve(f);
    });
  });
  let acted = false;
  const offProgress = engine.on('train:progress', (pr) => {
    if (!acted && Object.keys(pr.losses).length > 0) {
      acted = true;
      act();
    }
  });
  await engine.handle('train:start', { budgetSeconds: 600 });
  const result = await ended;
  offProgress();
  expect(acted).toBe(true);
  return result;
}

describe('RetrainService faults', () => {
  it(
    'a trainer killed mid-run: failed with a message, the previous model active and loading, annotations unchanged',
    async () => {
      const { engine } = project;
      const before = { annotations: dump(project), models: await engine.handle('models:list', {}) };
      const result = await interrupt(project, () => process.kill(engine.retrain.trainerPid!, 'SIGKILL'));
      expect(result.status).toBe('failed');
      expect(result.message).toMatch(/^Retraining failed: the trainer process was killed by SIGKILL.*previous model stays active; no annotation was changed/s);
      expect(result.candidate).toBeNull();
      expect(dump(project)).toBe(before.annotations);
      expect(await engine.handle('models:list', {})).toEqual(before.models);
      const active = engine.models.active();
      expect(active.id).toBe(before.models.find((v) => v.active)!.id);
      (await loadPredictor(active.dir, 'wasm')).dispose();
      expect(await engine.handle('train:status', {})).toMatchObject({ running: false, last: { status: 'failed' } });
      // Nothing half-written among the project's models.
      const models = await readdir(path.join(project.projectDir, 'models')).catch(() => []);
      expect(models).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'cancel mid-run: cancelled, no new version',
    async () => {
      const { engine } = project;
      const models = await engine.handle('models:list', {});
      const result = await interrupt(project, () => void engine.handle('train:cancel', {}));
      expect(result.status).toBe('cancelled');
      expect(result.candidate).toBeNull();
      expect(await engine.handle('models:list', {})).toEqual(models);
      expect(await engine.handle('train:cancel', {})).toEqual({ cancelled: false });
    },
    TIMEOUT,
  );
});
