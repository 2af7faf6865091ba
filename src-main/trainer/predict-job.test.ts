import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPredictionFolder } from '../inference/result-file';
import { generateSampleSlide, type SampleSlide } from '../slides/sample';
import { makeTempDir } from '../slides/test-support';
import { TrainerHost } from './host';
import type { ProgressUpdate } from './protocol';

const STARTER = path.resolve(import.meta.dirname, '../../resources/models/starter');
// A real trainer process: tsx start, tfjs + wasm, the starter model, slide reads.
const TIMEOUT = 90_000;

let tmp: { dir: string; remove: () => Promise<void> };
let sample: SampleSlide;
let big: SampleSlide;

beforeAll(async () => {
  tmp = await makeTempDir('predict-job');
  sample = await generateSampleSlide(path.join(tmp.dir, 'small'), { width: 1024, height: 768 });
  big = await generateSampleSlide(path.join(tmp.dir, 'big'), { width: 2048, height: 1536 });
});
afterAll(async () => {
  await tmp.remove();
});

describe("the trainer's 'predict-region' job", () => {
  it(
    'predicts a region of the sample slide in the trainer process and writes the result folder',
    async () => {
      const host = new TrainerHost();
      const progress: ProgressUpdate[] = [];
      const outDir = path.join(tmp.dir, 'prediction');
      const region = { x: 128, y: 128, width: 768, height: 512 };
      const outcome = await host.start(
        { kind: 'predict-region', params: { slidePath: sample.slidePath, region, modelDir: STARTER, outDir, modelVersion: 'starter', backend: 'wasm' } },
        { onProgress: (p) => progress.push(p) },
      );
      if (outcome.status === 'failed') throw new Error(outcome.error.message);
      expect(outcome.status).toBe('done');
      const result = (outcome as { result: { glandCount: number; resultFile: string; heatmaps: { probability: string; uncertainty: string }; region: unknown } }).result;
      expect(result.glandCount).toBeGreaterThan(0);
      expect(result.region).toEqual(region);
      expect(existsSync(result.heatmaps.probability) && existsSync(result.heatmaps.uncertainty)).toBe(true);
      const folder = await readPredictionFolder(outDir);
      expect(folder.glands).toHaveLength(result.glandCount);
      expect(folder.modelVersion).toBe('starter');
      expect(progress.length).toBeGreaterThan(0);
      const last = progress[progress.length - 1];
      expect(last.step).toBe(last.totalSteps);
      expect(last.backend).toMatch(/^wasm/);
      expect(last.details).toMatchObject({ stage: 'predict', kind: 'predict-region' });
    },
    TIMEOUT,
  );

  it(
    'is cancelled between batches and writes nothing',
    async () => {
      const host = new TrainerHost({ cancelTimeoutMs: 60_000 });
      const outDir = path.join(tmp.dir, 'cancelled');
      const steps: ProgressUpdate[] = [];
      const outcome = await host.start(
        { kind: 'predict-region', params: { slidePath: big.slidePath, region: { x: 0, y: 0, width: 2048, height: 1536 }, modelDir: STARTER, outDir, backend: 'wasm' } },
        {
          onProgress: (p) => {
            steps.push(p);
            host.cancel();
          },
        },
      );
      expect(outcome.status).toBe('cancelled');
      expect(outcome.status === 'cancelled' && outcome.result).toEqual({ cancelled: true });
      // 12 windows in 6 batches: it stops after the batch running when the cancel arrived.
      expect(steps[0].totalSteps).toBe(12);
      expect(steps.length).toBeLessThanOrEqual(3);
      expect(existsSync(outDir)).toBe(false);
    },
    TIMEOUT,
  );

  it(
    'rejects bad parameters with a message',
    async () => {
      const outcome = await new TrainerHost().start({ kind: 'predict-region', params: { slidePath: sample.slidePath, region: { x: 0, y: 0, width: 0, height: 10 }, modelDir: STARTER, outDir: tmp.dir } });
      expect(outcome.status).toBe('failed');
      expect(outcome.status === 'failed' && outcome.error.message).toMatch(/region/);
    },
    TIMEOUT,
  );
});
