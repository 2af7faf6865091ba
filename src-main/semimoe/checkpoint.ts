/**
 * Checkpoints in the tfjs weights format, with plain Node fs (no tfjs-node):
 *   model.json   { format, generatedBy, weightsManifest: [{ paths: ['weights.bin'], weights: [...] }],
 *                  semimoe: { config, lossForm, meta } }
 *   weights.bin  every weight's float32 values, little-endian, in manifest order.
 * The weights are the model's variables by logical name (BatchNorm running statistics
 * included) and, when given, the adaptive loss's scalars as "amol.s".
 *
 * Files are written straight into `dir`; the caller makes the directory swap atomic.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { makeConfig, type SemiMoeConfig } from './config';
import type { AdaptiveLoss } from './loss';
import { SemiMoeModel } from './model';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
export const CHECKPOINT_FORMAT = 'semimoe-weights';
const AMOL_WEIGHT = 'amol.s';

interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
}

export interface ModelJson {
  format: typeof CHECKPOINT_FORMAT;
  generatedBy: string;
  convertedBy: null;
  weightsManifest: { paths: string[]; weights: WeightEntry[] }[];
  semimoe: { config: SemiMoeConfig; meta?: Record<string, unknown> };
}

export interface LoadedCheckpoint {
  model: SemiMoeModel;
  config: SemiMoeConfig;
  /** The adaptive loss's (s1, s2, s3) if they were saved (pass to createTrainer's amolInit). */
  amolS: [number, number, number] | null;
  meta: Record<string, unknown>;
}

/** Writes model.json and weights.bin into `dir` (created if missing). */
export async function saveCheckpoint(
  dir: string,
  model: SemiMoeModel,
  extras: { amol?: AdaptiveLoss | null; meta?: Record<string, unknown> } = {},
): Promise<void> {
  const tensors: [string, tf.Tensor][] = [...model.namedVariables()];
  if (extras.amol) tensors.push([AMOL_WEIGHT, extras.amol.s]);

  const weights: WeightEntry[] = [];
  const chunks: Buffer[] = [];
  for (const [name, t] of tensors) {
    const values = (await t.data()) as Float32Array;
    weights.push({ name, shape: [...t.shape], dtype: 'float32' });
    chunks.push(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
  }
  const json: ModelJson = {
    format: CHECKPOINT_FORMAT,
    generatedBy: 'semimoe-studio',
    convertedBy: null,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights }],
    semimoe: { config: model.config, ...(extras.meta ? { meta: extras.meta } : {}) },
  };
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, WEIGHTS_BIN), Buffer.concat(chunks));
  await writeFile(path.join(dir, MODEL_JSON), JSON.stringify(json, null, 2) + '\n');
}

/** Reads and checks model.json; returns it with the config validated. */
export async function readModelJson(dir: string): Promise<ModelJson> {
  const json = JSON.parse(await readFile(path.join(dir, MODEL_JSON), 'utf8')) as Partial<ModelJson>;
  if (json.format !== CHECKPOINT_FORMAT || !json.semimoe?.config || !Array.isArray(json.weightsManifest)) {
    throw new Error(`${path.join(dir, MODEL_JSON)} is not a Semi-MoE checkpoint`);
  }
  // Re-validate (and fill fields added after the checkpoint was written from the defaults).
  return { ...(json as ModelJson), semimoe: { ...json.semimoe, config: makeConfig(json.semimoe.config) } };
}

/** Builds the model the checkpoint describes and loads every weight into it. */
export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const json = await readModelJson(dir);
  const config = json.semimoe.config;
  const values = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const group of json.weightsManifest) {
    const bytes = Buffer.concat(await Promise.all(group.paths.map((p) => readFile(path.join(dir, p)))));
    let offset = 0;
    for (const w of group.weights) {
      if (w.dtype !== 'float32') throw new Error(`weight ${w.name}: unsupported dtype ${String(w.dtype)}`);
      const n = w.shape.reduce((a, b) => a * b, 1);
      if (offset + n * 4 > bytes.byteLength) throw new Error(`${WEIGHTS_BIN} is shorter than its manifest`);
      // Copy: the file buffer's offset need not be 4-byte aligned.
      const data = new Float32Array(n);
      new Uint8Array(data.buffer).set(bytes.subarray(offset, offset + n * 4));
      values.set(w.name, { shape: w.shape, data });
      offset += n * 4;
    }
  }

  const model = new SemiMoeModel(config);
  try {
    for (const [name, variable] of model.namedVariables()) {
      const v = values.get(name);
      if (!v) throw new Error(`checkpoint has no weight ${name}`);
      if (v.shape.length !== variable.shape.length || v.shape.some((d, i) => d !== variable.shape[i])) {
        throw new Error(`weight ${name}: checkpoint shape [${v.shape.join(', ')}], model [${variable.shape.join(', ')}]`);
      }
      tf.tidy(() => variable.assign(tf.tensor(v.data, v.shape)));
    }
  } catch (err) {
    model.dispose();
    throw err;
  }
  const s = values.get(AMOL_WEIGHT)?.data;
  return { model, config, amolS: s ? [s[0], s[1], s[2]] : null, meta: json.semimoe.meta ?? {} };
}
