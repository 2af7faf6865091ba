import type Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import type { ModelVersionInfo } from '../api/contract';
import { ApiError } from '../api/errors';
import { readModelCard, type ModelCard } from '../semimoe/model-card';
import { checkModelFiles } from '../semimoe/model-files';
import { packageRoot } from './paths';

/** The model shipped with the app, registered as every project's first version. */
export const STARTER_MODEL_ID = 'starter';
const STARTER_MODEL_DIR = 'package:resources/models/starter';

/** What a project remembers of a model version (the model card's essentials). */
interface VersionSummary {
  description: string;
  metrics: ModelVersionInfo['metrics'];
  trainedOn?: ModelVersionInfo['trainedOn'];
}

/** What a retraining run tells the registry about the version it made. */
export interface NewVersion {
  id: string;
  parentId: string | null;
  dir: string;
  activate: boolean;
  description: string;
  /** Validation metrics on the project's validation fields (not the model card's GlaS split). */
  metrics: ModelVersionInfo['metrics'];
  trainedOn: NonNullable<ModelVersionInfo['trainedOn']>;
}

interface VersionRow {
  id: string;
  parent_id: string | null;
  dir: string;
  created_at: string;
  active: number;
  summary: string;
}

export interface ActiveModel {
  id: string;
  dir: string;
}

function summarise(card: ModelCard | null, fallback: string): VersionSummary {
  if (!card) return { description: fallback, metrics: { dice: null, iou: null, objectF1: null } };
  const labelled = card.data.labelled;
  const method = card.method === 'semi-moe' ? 'Semi-MoE' : 'supervised';
  return {
    description: `${fallback}: ${method}, ${labelled} labelled images, ${card.training.steps} steps on ${card.training.backend}`,
    metrics: {
      dice: card.validation.pixelDice,
      iou: card.validation.pixelIoU,
      objectF1: card.validation.objects?.objectF1 ?? null,
    },
  };
}

/**
 * The project's model versions (table model_versions). Model folders inside the project are
 * stored relative to it and the shipped starter model as `package:...`, so that moving the
 * project or reinstalling the app does not break the history.
 */
export class ModelRegistry {
  constructor(
    private readonly db: Database.Database,
    private readonly projectDir: string,
  ) {}

  /** On a project's first start: register the shipped starter model and make it active. */
  async ensureStarter(): Promise<void> {
    const count = (this.db.prepare('SELECT COUNT(*) AS n FROM model_versions').get() as { n: number }).n;
    if (count > 0) return;
    const card = await readModelCard(this.resolveDir(STARTER_MODEL_DIR));
    this.insert(STARTER_MODEL_ID, null, STARTER_MODEL_DIR, summarise(card, 'Starter model (GlaS)'), true);
  }

  /** Register a newly trained model folder; it becomes active only when `activate` says so. */
  register(v: NewVersion): ModelVersionInfo {
    const inside = isAbsolute(v.dir) && !relative(this.projectDir, v.dir).startsWith('..');
    const stored = inside ? relative(this.projectDir, v.dir) : v.dir;
    this.insert(v.id, v.parentId, stored, { description: v.description, metrics: v.metrics, trainedOn: v.trainedOn }, v.activate);
    return this.get(v.id)!;
  }

  get(id: string): ModelVersionInfo | null {
    return this.list().find((v) => v.id === id) ?? null;
  }

  /** A version's model folder, resolved. */
  dirOf(id: string): string {
    const row = this.db.prepare('SELECT dir FROM model_versions WHERE id = ?').get(id) as { dir: string } | undefined;
    if (!row) throw new ApiError('not-found', `No model version "${id}"`);
    return this.resolveDir(row.dir);
  }

  list(): ModelVersionInfo[] {
    const rows = this.db.prepare('SELECT * FROM model_versions ORDER BY created_at, rowid').all() as VersionRow[];
    return rows.map((row) => {
      const summary = JSON.parse(row.summary) as VersionSummary;
      return {
        id: row.id,
        parentId: row.parent_id,
        createdAt: row.created_at,
        active: row.active === 1,
        description: summary.description,
        metrics: summary.metrics,
        trainedOn: summary.trainedOn ?? null,
      };
    });
  }

  /** The active model's folder; a clear error when it is gone (deleted or corrupt install). */
  active(): ActiveModel {
    const row = this.db.prepare('SELECT * FROM model_versions WHERE active = 1').get() as VersionRow | undefined;
    if (!row) throw new ApiError('no-model', 'This project has no active model. Train one or activate a version first.');
    const dir = this.resolveDir(row.dir);
    if (!existsSync(join(dir, 'model.json'))) {
      throw new ApiError('no-model', `The active model "${row.id}" is missing its files (${dir}). Activate another version.`);
    }
    return { id: row.id, dir };
  }

  /**
   * Check a version's files before it becomes active (a truncated or foreign weights file
   * would otherwise only fail at the next prediction).
   */
  async verify(id: string): Promise<void> {
    try {
      await checkModelFiles(this.dirOf(id));
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new ApiError('no-model', `Model version "${id}" cannot be used: ${(error as Error).message}`);
    }
  }

  activate(id: string): void {
    const dir = this.dirOf(id);
    if (!existsSync(join(dir, 'model.json'))) {
      throw new ApiError('no-model', `Model version "${id}" is missing its files (${dir}); it cannot be activated.`);
    }
    this.db.transaction(() => {
      this.db.prepare('UPDATE model_versions SET active = 0 WHERE active = 1').run();
      this.db.prepare('UPDATE model_versions SET active = 1 WHERE id = ?').run(id);
    })();
  }

  private insert(id: string, parentId: string | null, dir: string, summary: VersionSummary, activate: boolean): void {
    this.db.transaction(() => {
      if (activate) this.db.prepare('UPDATE model_versions SET active = 0 WHERE active = 1').run();
      this.db
        .prepare('INSERT INTO model_versions (id, parent_id, dir, created_at, active, summary) VALUES (?, ?, ?, ?, ?, ?)')
        .run(id, parentId, dir, new Date().toISOString(), activate ? 1 : 0, JSON.stringify(summary));
    })();
  }

  private resolveDir(stored: string): string {
    if (stored.startsWith('package:')) return join(packageRoot(), stored.slice('package:'.length));
    return isAbsolute(stored) ? stored : join(this.projectDir, stored);
  }
}
