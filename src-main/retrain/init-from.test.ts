/** trainSemiMoe's initFrom: a fine-tune starts from the parent's weights, not from a fresh model. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../engine/paths';
import { WEIGHTS_BIN } from '../semimoe/checkpoint';
import { writeSyntheticGlasFolder } from '../semimoe/glas';
import { trainSemiMoe } from '../semimoe/train';

let dir: string;
const starter = path.join(packageRoot(), 'resources/models/starter');

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'semimoe-init-'));
  await writeSyntheticGlasFolder(path.join(dir, 'data'), 3, 200, 160);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function weights(modelDir: string): Promise<Float32Array> {
  const b = await readFile(path.join(modelDir, WEIGHTS_BIN));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Mean |a - b| relative to mean |a|. */
function relativeChange(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d += Math.abs(a[i] - b[i]);
    m += Math.abs(a[i]);
  }
  return d / m;
}

describe('trainSemiMoe initFrom', () => {
  it(
    'keeps the parent\'s weights (one step at a vanishing learning rate changes almost nothing), a fresh model does not',
    async () => {
      const common = { dataDir: path.join(dir, 'data'), labeledFraction: 1, validationFraction: 0, supervisedOnly: true, steps: 1, backend: 'wasm', seed: 7 };
      const tuned = await trainSemiMoe({ ...common, outDir: path.join(dir, 'tuned'), initFrom: starter, config: { lr: 1e-9 } });
      const fresh = await trainSemiMoe({ ...common, outDir: path.join(dir, 'fresh'), config: { lr: 1e-9 } });
      expect(tuned.card.config).toMatchObject({ width: 8, mpp: 1.24, lr: 1e-9 });
      expect(tuned.card.training.initFrom).toBe(starter); // provenance: the card says where it started
      expect(fresh.card.training.initFrom).toBeUndefined();
      const parent = await weights(starter);
      const a = await weights(tuned.outDir);
      expect(a.length).toBe(parent.length);
      // BatchNorm running statistics move with one batch; the rest stays. (The fresh model uses
      // another seed than the starter's: from the same seed its init is the starter's own start.)
      expect(relativeChange(parent, a)).toBeLessThan(0.02);
      expect(relativeChange(parent, await weights(fresh.outDir))).toBeGreaterThan(0.5);
    },
    60_000,
  );
});
