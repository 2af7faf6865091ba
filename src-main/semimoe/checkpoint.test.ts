import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, MODEL_JSON, readModelJson, saveCheckpoint, WEIGHTS_BIN, type ModelJson } from './checkpoint';
import { makeConfig } from './config';
import { AdaptiveLoss } from './loss';
import { SemiMoeModel } from './model';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(path.join(os.tmpdir(), 'semimoe-ckpt-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const config = makeConfig({ width: 4, inputSize: 32, lossForm: 'kendall' });
const x = () => tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 8) as tf.Tensor4D;
const predict = (m: SemiMoeModel) =>
  tf.tidy(() => {
    const out = m.forward(x(), false);
    return [out.gated.mask, out.gated.sdf, out.gated.bnd, out.experts.seg, out.gateWeights.mask].map((t) => Array.from(t.dataSync()));
  });

describe('checkpoints', () => {
  it('save -> load gives identical predictions, config, running statistics and loss scalars', async () => {
    const model = new SemiMoeModel(config, 21);
    tf.tidy(() => {
      model.forward(x(), true); // non-trivial BatchNorm running statistics
    });
    const amol = new AdaptiveLoss(config, [0.7, 1.3, -0.4]);
    await saveCheckpoint(dir, model, { amol, meta: { step: 12 } });

    const json = JSON.parse(await readFile(path.join(dir, MODEL_JSON), 'utf8')) as ModelJson;
    expect(json.format).toBe('semimoe-weights');
    expect(json.weightsManifest[0].paths).toEqual([WEIGHTS_BIN]);
    expect(json.semimoe.config).toEqual(config);
    const floats = json.weightsManifest[0].weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
    expect((await readFile(path.join(dir, WEIGHTS_BIN))).byteLength).toBe(floats * 4);

    const loaded = await loadCheckpoint(dir);
    expect(loaded.config).toEqual(config);
    expect(loaded.meta).toEqual({ step: 12 });
    expect(loaded.amolS![0]).toBeCloseTo(0.7, 6);
    expect(loaded.amolS![2]).toBeCloseTo(-0.4, 6);
    expect(predict(loaded.model)).toEqual(predict(model));
    const stat = 'expert.sdf.dec0.conv2.bn.runningVar';
    expect(Array.from(loaded.model.namedVariables().get(stat)!.dataSync())).toEqual(Array.from(model.namedVariables().get(stat)!.dataSync()));
    loaded.model.dispose();
    model.dispose();
    amol.dispose();
  });

  it('refuses a checkpoint whose weights do not fit the model', async () => {
    const json = await readModelJson(dir);
    json.weightsManifest[0].weights = json.weightsManifest[0].weights.filter((w) => w.name !== 'head.bnd.bias');
    await writeFile(path.join(dir, MODEL_JSON), JSON.stringify(json));
    const tensors = tf.memory().numTensors;
    await expect(loadCheckpoint(dir)).rejects.toThrow(/head\.bnd\.bias|shape/);
    expect(tf.memory().numTensors).toBe(tensors); // the half-built model was freed
    await writeFile(path.join(dir, MODEL_JSON), JSON.stringify({ format: 'layers-model' }));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/not a Semi-MoE checkpoint/);
  });
});
