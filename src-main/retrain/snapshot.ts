/**
 * The labelled data of a retraining run, frozen on disk when the run starts, so that edits made
 * while the trainer works (minutes) cannot change what it trains or validates on.
 *
 * Layout (GlaS layout, at the model's micrometres per pixel, which trainSemiMoe reads directly):
 *   RUN/train/images/fNNN.png + RUN/train/labels/fNNN.png   done fields of the training split
 *   RUN/train/images/tNNN.png (no label)                     tissue tiles: the unlabelled pool
 *   RUN/validation/images|labels/fNNN.png                    done fields of the validation split
 *   RUN/snapshot.json                                        what each file came from, counts
 * Unlabelled tiles sit in train/images without a label because that is how the GlaS loader
 * tells unlabelled images from labelled ones.
 */
import type Database from 'better-sqlite3';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { Region } from '../api/contract';
import { ApiError } from '../api/errors';
import type { AnnotationStore } from '../annotations/store';
import { encodeMask, rasterize } from '../annotations/masks';
import type { FieldStore, StoredField } from '../inference/field-store';
import { readRegionAtMpp, type Rect, type RegionImage } from '../inference/region';
import { tissueFraction, tissueMask } from '../inference/tissue';
import { openSlide } from '../slides/registry';
import type { SlideSource } from '../slides/types';

export const SNAPSHOT_FILE = 'snapshot.json';

export interface SnapshotDeps {
  db: Database.Database;
  glands: AnnotationStore;
  fields: FieldStore;
  /** The slide file of a project slide (the `slides` table). */
  slidePath(slideId: string): string | null;
}

export interface SnapshotOptions {
  /** Resolution the images are written at: the model's. */
  mpp: number;
  /** Side of an unlabelled tissue tile in model pixels (twice the training tile gives crops room). */
  tileSize: number;
  /** At most this many unlabelled tiles, spread over the project's slides. */
  maxUnlabelledTiles: number;
  /** A tile counts as tissue when at least this fraction of it is. */
  minTissueFraction?: number;
}

export interface SnapshotEntry {
  file: string;
  slideId: string;
  fieldId: string | null;
  region: Rect;
  /** Ground-truth glands rasterised into the label (fields only). */
  glands: number;
}

export interface SnapshotSummary {
  runDir: string;
  trainDir: string;
  validationDir: string;
  mpp: number;
  labelledFields: number;
  validationFields: number;
  unlabelledTiles: number;
  train: SnapshotEntry[];
  validation: SnapshotEntry[];
  unlabelled: SnapshotEntry[];
}

/**
 * Glands that are ground truth in a done field. Proposals are left out on purpose: a done field
 * had none when it was marked done, so any there now came from a later prediction over it and
 * have not been reviewed.
 */
const TRUTH_STATUSES = ['accepted', 'edited'] as const;

/** Done fields of every slide, by split. */
export function doneFields(db: Database.Database, fields: FieldStore): { train: StoredField[]; validation: StoredField[] } {
  const slideIds = (db.prepare(`SELECT DISTINCT slide_id FROM fields WHERE status = 'done' ORDER BY slide_id`).pluck().all() as string[]);
  const all = slideIds.flatMap((id) => fields.list(id, 'done'));
  return { train: all.filter((f) => f.split === 'train'), validation: all.filter((f) => f.split === 'validation') };
}

export async function snapshotTrainingData(deps: SnapshotDeps, runDir: string, opts: SnapshotOptions): Promise<SnapshotSummary> {
  const { train, validation } = doneFields(deps.db, deps.fields);
  if (train.length === 0) {
    throw new ApiError('invalid-request', 'There are no done fields in the training split to learn from: review some fields and mark them done first.');
  }
  const summary: SnapshotSummary = {
    runDir,
    trainDir: path.join(runDir, 'train'),
    validationDir: path.join(runDir, 'validation'),
    mpp: opts.mpp,
    labelledFields: train.length,
    validationFields: validation.length,
    unlabelledTiles: 0,
    train: [],
    validation: [],
    unlabelled: [],
  };
  const slides = new SlideCache(deps);
  try {
    for (const dir of [summary.trainDir, summary.validationDir]) {
      await mkdir(path.join(dir, 'images'), { recursive: true });
      await mkdir(path.join(dir, 'labels'), { recursive: true });
    }
    for (const [set, list, dir] of [
      [summary.train, train, summary.trainDir],
      [summary.validation, validation, summary.validationDir],
    ] as const) {
      for (const [k, field] of list.entries()) {
        const source = await slides.open(field.slideId);
        set.push(await writeField(deps.glands, source, field, dir, `f${String(k + 1).padStart(3, '0')}`, opts.mpp));
      }
    }
    const done = [...train, ...validation];
    const tiles = await tissueTiles(deps.db, slides, done, opts);
    for (const [k, tile] of tiles.entries()) {
      const file = `t${String(k + 1).padStart(3, '0')}.png`;
      const image = await readRegionAtMpp(tile.source, tile.region, opts.mpp);
      await writeRgb(image, path.join(summary.trainDir, 'images', file));
      summary.unlabelled.push({ file, slideId: tile.slideId, fieldId: null, region: image.bounds, glands: 0 });
    }
    summary.unlabelledTiles = summary.unlabelled.length;
    await writeFile(path.join(runDir, SNAPSHOT_FILE), JSON.stringify(summary, null, 2) + '\n');
    return summary;
  } catch (error) {
    // A half-written snapshot is useless and must not be mistaken for a complete one.
    await rm(runDir, { recursive: true, force: true });
    throw error;
  } finally {
    await slides.closeAll();
  }
}

/** Writes one field's image and its label mask (255 = gland), both exactly the same size. */
async function writeField(glands: AnnotationStore, source: SlideSource, field: StoredField, dir: string, name: string, mpp: number): Promise<SnapshotEntry> {
  const image = await readRegionAtMpp(source, field.region, mpp);
  const truth = glands.glandsIn(field.slideId, image.bounds, TRUTH_STATUSES);
  const raster = rasterize(truth, image.bounds, image.scale[0], 'binary');
  // rasterize sizes by ceil(side / downsample) and the region reader by round(): fit to the image.
  const mask = new Uint8Array(image.width * image.height);
  for (let y = 0; y < Math.min(image.height, raster.height); y++) {
    for (let x = 0; x < Math.min(image.width, raster.width); x++) mask[y * image.width + x] = raster.data[y * raster.width + x];
  }
  const file = `${name}.png`;
  await writeRgb(image, path.join(dir, 'images', file));
  await writeFile(path.join(dir, 'labels', file), await encodeMask({ width: image.width, height: image.height, data: mask }, 'png'));
  return { file, slideId: field.slideId, fieldId: field.id, region: image.bounds, glands: truth.length };
}

async function writeRgb(image: RegionImage, file: string): Promise<void> {
  await sharp(image.rgb, { raw: { width: image.width, height: image.height, channels: 3 } }).png({ compressionLevel: 6 }).toFile(file);
}

/**
 * Tissue tiles of the project's slides on a grid, away from every done field (those are
 * labelled, and validation pixels must not leak into training even unlabelled), then an even
 * spread of at most `maxUnlabelledTiles` of them across all slides. Slides that cannot be
 * opened (moved, deleted) are skipped: the unlabelled pool is a help, not a requirement.
 */
async function tissueTiles(db: Database.Database, slides: SlideCache, done: readonly StoredField[], opts: SnapshotOptions) {
  const minTissue = opts.minTissueFraction ?? 0.6;
  const slideIds = db.prepare('SELECT id FROM slides ORDER BY id').pluck().all() as string[];
  const candidates: { slideId: string; source: SlideSource; region: Rect }[] = [];
  for (const slideId of slideIds) {
    let source: SlideSource;
    try {
      source = await slides.open(slideId);
    } catch {
      continue;
    }
    const meta = source.metadata;
    const slideMpp = meta.mpp ?? [opts.mpp, opts.mpp];
    const side = [Math.round((opts.tileSize * opts.mpp) / slideMpp[0]), Math.round((opts.tileSize * opts.mpp) / slideMpp[1])];
    if (side[0] > meta.width || side[1] > meta.height) continue;
    const tissue = await tissueMask(source);
    const fieldsHere = done.filter((f) => f.slideId === slideId).map((f) => f.region);
    for (let y = 0; y + side[1] <= meta.height; y += side[1]) {
      for (let x = 0; x + side[0] <= meta.width; x += side[0]) {
        const region = { x, y, width: side[0], height: side[1] };
        if (fieldsHere.some((f) => overlaps(f, region))) continue;
        if (tissueFraction(tissue, region) >= minTissue) candidates.push({ slideId, source, region });
      }
    }
  }
  if (candidates.length <= opts.maxUnlabelledTiles) return candidates;
  const stride = candidates.length / opts.maxUnlabelledTiles;
  return Array.from({ length: opts.maxUnlabelledTiles }, (_, i) => candidates[Math.floor(i * stride)]);
}

function overlaps(a: Region, b: Region): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Each slide opened once per snapshot, all closed at the end. */
class SlideCache {
  private readonly open_ = new Map<string, Promise<SlideSource>>();
  constructor(private readonly deps: SnapshotDeps) {}

  open(slideId: string): Promise<SlideSource> {
    let source = this.open_.get(slideId);
    if (!source) {
      const file = this.deps.slidePath(slideId);
      source = file ? openSlide(file) : Promise.reject(new ApiError('not-found', `Slide ${slideId} is not in this project`));
      this.open_.set(slideId, source);
    }
    return source;
  }

  async closeAll(): Promise<void> {
    for (const source of this.open_.values()) {
      try {
        await (await source).close();
      } catch {
        // It never opened: nothing to close.
      }
    }
  }
}
