/**
 * End to end on a tiny generated GlaS-layout folder: train a few steps at a tiny width, then
 * eval and predict on the written model through the CLI modules. Slow-ish (real tfjs steps),
 * so the model is as small as the U-Net allows.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GLAS_MPP, writeSyntheticGlasFolder } from './glas';
import { loadPredictor } from './predict';
import { loadValidationFolder, trainSemiMoe, validate, type TrainProgress } from './train';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'semimoe-train-'));
  await writeSyntheticGlasFolder(path.join(dir, 'data'), 8);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const tiny = { width: 2, inputSize: 32, mpp: 0.62005 * 2 };

describe('trainSemiMoe end to end', () => {
  it('trains, validates, writes model + card; eval and predict read it', async () => {
    const out = path.join(dir, 'model');
    const progress: number[] = [];
    const result = await trainSemiMoe({
      dataDir: path.join(dir, 'data'),
      labeledFraction: 0.5,
      validationFraction: 0.25,
      outDir: out,
      steps: 3,
      validateEvery: 2,
      seed: 3,
      backend: 'wasm',
      config: tiny,
      onProgress: (p) => progress.push(p.step),
    });
    expect(progress).toEqual([1, 2, 3]);
    expect(result.steps).toBe(3);
    for (const f of ['model.json', 'weights.bin', 'model-card.json']) expect(existsSync(path.join(out, f))).toBe(true);
    const card = JSON.parse(await readFile(path.join(out, 'model-card.json'), 'utf8'));
    expect(card.data).toMatchObject({ labelled: 3, unlabelled: 3, validation: 2, labeledFraction: 0.5 });
    expect(card.training.steps).toBe(3);
    expect(card.license).toMatch(/research use only/);
    expect(card.validation.sweep).toHaveLength(23);

    const { run: evalRun } = await import('../cli/eval');
    expect(await evalRun(['--model', out, '--data', path.join(dir, 'data'), '--backend', 'wasm'])).toBe(0);

    const { run: predictRun } = await import('../cli/predict');
    const mask = path.join(dir, 'mask.png');
    const geojson = path.join(dir, 'out.geojson');
    const image = path.join(dir, 'data/images/synthetic_1.png');
    expect(await predictRun(['--model', out, '--image', image, '--mask', mask, '--geojson', geojson, '--backend', 'wasm'])).toBe(0);
    const meta = await sharp(mask).metadata();
    expect([meta.width, meta.height]).toEqual([72, 56]);
    const fc = JSON.parse(await readFile(geojson, 'utf8'));
    expect(fc.type).toBe('FeatureCollection');
  });

  it('cancel stops between steps and still leaves a complete model', async () => {
    const out = path.join(dir, 'cancelled');
    const controller = new AbortController();
    const result = await trainSemiMoe({
      dataDir: path.join(dir, 'data'),
      labeledFraction: 0.5,
      validationFraction: 0.25,
      outDir: out,
      steps: 50,
      seed: 3,
      backend: 'wasm',
      config: tiny,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.step === 2) controller.abort();
      },
    });
    expect(result.cancelled).toBe(true);
    expect(result.steps).toBe(2);
    expect(existsSync(path.join(out, 'model.json'))).toBe(true);
  });

  it('with a mean teacher, validates the teacher too and saves it when it scores higher', async () => {
    const data = path.join(dir, 'data');
    const valDir = path.join(dir, 'teacher-val');
    await writeSyntheticGlasFolder(valDir, 2);
    // A parent that has learnt the synthetic glands...
    const parent = path.join(dir, 'teacher-parent');
    await trainSemiMoe({ dataDir: data, labeledFraction: 1, validationFraction: 0, supervisedOnly: true, outDir: parent, steps: 40, seed: 3, backend: 'wasm', config: tiny });
    // ...then one step at an absurd learning rate: the student is wrecked, while its mean teacher
    // (decay 0.99) moves 1% of the way and stays close to the parent.
    const out = path.join(dir, 'teacher-model');
    const checks: NonNullable<TrainProgress['validation']>[] = [];
    const result = await trainSemiMoe({
      dataDir: data,
      labeledFraction: 0.5,
      validationDir: valDir,
      outDir: out,
      steps: 1,
      initFrom: parent,
      seed: 3,
      backend: 'wasm',
      config: { lr: 2000, pseudoLabelView: 'weak-strong', teacherEmaDecay: 0.99 },
      onProgress: (p) => p.validation && checks.push(p.validation),
    });
    expect(checks).toHaveLength(1);
    expect(checks[0].teacherDice).toBeGreaterThan(checks[0].dice);
    expect(result.card.training.bestWeights).toBe('teacher');
    // The saved weights are the ones that scored what the card says.
    const predictor = await loadPredictor(out, 'wasm');
    const images = await loadValidationFolder(valDir, predictor.config.mpp, GLAS_MPP);
    expect(validate(predictor, images).dice).toBeCloseTo(result.card.validation.pixelDice, 6);
    expect(result.card.validation.pixelDice).toBeCloseTo(checks[0].teacherDice!, 6);
    predictor.dispose();
  });

  it('CLI errors are clear and non-zero', async () => {
    const { run } = await import('../cli/train');
    expect(await run(['--data', path.join(dir, 'nope'), '--labeled', '0.5', '--out', path.join(dir, 'x'), '--steps', '1', '--backend', 'wasm'])).not.toBe(0);
    expect(await run(['--data', path.join(dir, 'data'), '--labeled', '2', '--out', path.join(dir, 'x')])).toBe(2);
  });
});
