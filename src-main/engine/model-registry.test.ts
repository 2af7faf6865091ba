import { cpSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProjectStore } from '../project/store';
import { ModelRegistry, STARTER_MODEL_ID } from './model-registry';
import { packageRoot } from './paths';

const starterDir = join(packageRoot(), 'resources', 'models', 'starter');
const trainedOn = { labelledFields: 2, unlabelledTiles: 10, steps: 5, seconds: 12 };
const metrics = { dice: 0.5, iou: 0.4, objectF1: null };

describe('ModelRegistry', () => {
  let dir: string;
  let store: ProjectStore;
  let registry: ModelRegistry;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'semimoe-models-'));
    store = new ProjectStore(dir);
    registry = new ModelRegistry(store.db, dir);
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers the shipped starter model once, active, with its card metrics', async () => {
    await registry.ensureStarter();
    await registry.ensureStarter();
    const list = registry.list();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: STARTER_MODEL_ID, active: true, parentId: null, trainedOn: null });
    expect(list[0].metrics.dice).toBeGreaterThan(0.7);
    expect(registry.active().dir).toBe(starterDir);
  });

  it('keeps a new version inactive until activated, stores it relative to the project, and rolls back', async () => {
    await registry.ensureStarter();
    const versionDir = join(dir, 'models', 'v2');
    cpSync(starterDir, versionDir, { recursive: true });
    const v2 = registry.register({ id: 'v2', parentId: STARTER_MODEL_ID, dir: versionDir, activate: false, description: 'test', metrics, trainedOn });
    expect(v2).toMatchObject({ active: false, trainedOn, metrics });
    expect(registry.active().id).toBe(STARTER_MODEL_ID);
    await registry.verify('v2');
    registry.activate('v2');
    expect(registry.active()).toEqual({ id: 'v2', dir: versionDir });
    const stored = store.db.prepare("SELECT dir FROM model_versions WHERE id = 'v2'").get() as { dir: string };
    expect(stored.dir).toBe(join('models', 'v2'));
    registry.activate(STARTER_MODEL_ID);
    expect(registry.list().filter((v) => v.active).map((v) => v.id)).toEqual([STARTER_MODEL_ID]);
  });

  it('refuses to verify a truncated or foreign model, and the active model stays', async () => {
    await registry.ensureStarter();
    const truncated = join(dir, 'models', 'truncated');
    cpSync(starterDir, truncated, { recursive: true });
    truncateSync(join(truncated, 'weights.bin'), 1000);
    registry.register({ id: 'truncated', parentId: null, dir: truncated, activate: false, description: 't', metrics, trainedOn });
    await expect(registry.verify('truncated')).rejects.toMatchObject({ code: 'no-model', message: expect.stringMatching(/truncated or foreign/) });

    const foreign = join(dir, 'models', 'foreign');
    cpSync(starterDir, foreign, { recursive: true });
    writeFileSync(join(foreign, 'model.json'), JSON.stringify({ format: 'layers-model' }));
    registry.register({ id: 'foreign', parentId: null, dir: foreign, activate: false, description: 'f', metrics, trainedOn });
    await expect(registry.verify('foreign')).rejects.toMatchObject({ code: 'no-model', message: expect.stringMatching(/not a Semi-MoE model/) });

    await expect(registry.verify('nope')).rejects.toMatchObject({ code: 'not-found' });
    expect(registry.active().id).toBe(STARTER_MODEL_ID);
  });
});
