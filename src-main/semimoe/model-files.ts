/**
 * Cheap integrity check of a model folder without building the model (and without loading
 * TensorFlow.js, so the main process can call it): model.json parses and is ours, and
 * weights.bin holds exactly the bytes its manifest promises. Used before a model becomes active,
 * so a truncated or foreign folder never does.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { CHECKPOINT_FORMAT, MODEL_JSON, type ModelJson } from './checkpoint';

export async function checkModelFiles(dir: string): Promise<void> {
  let json: Partial<ModelJson>;
  try {
    json = JSON.parse(await readFile(path.join(dir, MODEL_JSON), 'utf8')) as Partial<ModelJson>;
  } catch (error) {
    throw new Error(`${path.join(dir, MODEL_JSON)} is missing or unreadable (${(error as Error).message})`);
  }
  if (json.format !== CHECKPOINT_FORMAT || !Array.isArray(json.weightsManifest)) {
    throw new Error(`${path.join(dir, MODEL_JSON)} is not a Semi-MoE model`);
  }
  for (const group of json.weightsManifest) {
    const expected = group.weights.reduce((sum, w) => sum + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
    let actual = 0;
    for (const p of group.paths) {
      const info = await stat(path.join(dir, p)).catch(() => null);
      if (!info) throw new Error(`${path.join(dir, p)} is missing`);
      actual += info.size;
    }
    if (actual !== expected) {
      throw new Error(`${group.paths.join(', ')} holds ${actual} bytes where the manifest needs ${expected}: the file is truncated or foreign`);
    }
  }
}
