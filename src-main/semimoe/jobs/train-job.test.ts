/**
 * The 'train' job through the real trainer process (TrainerHost forks src-main/trainer/child.ts):
 * progress and checkpoint messages arrive, the model directory is complete, cancel stops it.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainerHost } from '../../trainer/host';
import type { ProgressUpdate } from '../../trainer/protocol';
import { writeSyntheticGlasFolder } from '../glas';
import { parseTrainJobParams } from './train-job';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'semimoe-job-'));
  await writeSyntheticGlasFolder(path.join(dir, 'data'), 6);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const params = (outDir: string, steps: number) => ({
  dataDir: path.join(dir, 'data'),
  labeledFraction: 0.5,
  validationFraction: 0.2,
  outDir,
  steps,
  seed: 2,
  backend: 'wasm',
  config: { width: 2, inputSize: 32, mpp: 1.24 },
});

describe('train job', () => {
  it('rejects bad parameters with a clear message', () => {
    expect(() => parseTrainJobParams({ dataDir: 'x', outDir: 'y' })).toThrow(/labeledFraction/);
    expect(() => parseTrainJobParams({ dataDir: 'x', outDir: 'y', labeledFraction: 0.5, steps: -1 })).toThrow(/steps/);
  });

  it('runs in the trainer process: progress, checkpoint, done, complete model', async () => {
    const outDir = path.join(dir, 'model');
    const progress: ProgressUpdate[] = [];
    const checkpoints: number[] = [];
    const outcome = await new TrainerHost().start(
      { kind: 'train', params: params(outDir, 2) },
      { onProgress: (p) => progress.push(p), onCheckpoint: (c) => checkpoints.push(c.step) },
    );
    expect(outcome.status).toBe('done');
    expect(progress.map((p) => p.step)).toEqual([1, 2]);
    expect(progress[0].backend).toMatch(/wasm/);
    expect(Object.keys(progress[0].weights)).toContain('mask');
    expect(checkpoints.length).toBeGreaterThan(0);
    for (const f of ['model.json', 'weights.bin', 'model-card.json']) expect(existsSync(path.join(outDir, f))).toBe(true);
  });

  it('cancel stops it', async () => {
    const host = new TrainerHost();
    const outcome = await host.start(
      { kind: 'train', params: params(path.join(dir, 'cancelled'), 500) },
      { onProgress: (p) => p.step === 1 && host.cancel() },
    );
    expect(outcome.status).toBe('cancelled');
  });
});
