/**
 * Active-learning simulation on a GlaS-layout folder: does the review queue's uncertainty pick
 * fields that teach the model more than random picks do?
 *
 * Each image (or each fixed-size crop of one) is a candidate field. A seeded validation set is
 * held out first and never picked. Every round picks K fields, an oracle "corrects" them with
 * their true masks, the model is fine-tuned from the previous round's weights on all fields
 * picked so far (labelled) and the rest of the pool (unlabelled) for a fixed time, and its
 * pixel Dice on the validation set is recorded (the round's last weights at threshold 0.5: no
 * checkpoint or threshold is chosen on the validation set). With --init the starting model is
 * scored first as round 0, and --restart-each-round trains every round from the starting model
 * instead of the previous round's. Round 1 picks at random under both strategies
 * (there is no model to be uncertain yet unless --init gives one), so both start from the same
 * fields; from round 2 the uncertainty strategy ranks the unpicked pool with the same score and
 * diversity ranking as the app's queue (inference/uncertainty.ts, inference/queue.ts). Fields
 * here are separate images, so spatial diversity says nothing; they carry appearance vectors
 * (`fieldAppearance`) instead. The app's queue builder does not compute those yet (its fields
 * share a slide, where spatial diversity stands in for them): wiring them in needs colour and
 * probability grids in the prediction result files next to the uncertainty grid.
 *
 * Everything runs in this process: the simulation is a measurement, not the app.
 */
import { mkdir, rm, symlink, copyFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { rankFields, type ScoredField } from '../inference/queue';
import { uncertaintyMap } from '../inference/uncertainty';
import { shuffled } from '../semimoe/data';
import { GLAS_MPP, listGlasFolder, loadRgbImage } from '../semimoe/glas';
import { loadPredictor, predictDense } from '../semimoe/predict';
import { createRng, deriveSeed } from '../semimoe/random';
import { trainSemiMoe, type TrainProgress } from '../semimoe/train';
import { makeConfig } from '../semimoe/config';
import { readModelJson } from '../semimoe/checkpoint';
import { evaluateOnFields } from './evaluate';
import { FINE_TUNE_LR, FINE_TUNE_PSEUDO_LABELS } from './fine-tune';

export type Strategy = 'uncertainty' | 'random';

export interface SimulateOptions {
  dataDir: string;
  strategy: Strategy;
  rounds: number;
  fieldsPerRound: number;
  budgetPerRoundSeconds: number;
  /**
   * Bound each round by steps instead of time: the same compute for both strategies however
   * busy the machine is (time budgets on a shared CPU give them different step counts).
   */
  stepsPerRound?: number;
  seed: number;
  /** Where rounds are written (removed at the end unless keep). */
  workDir: string;
  keep?: boolean;
  /** Start from this model (else a fresh one with the default config). */
  initFrom?: string;
  /** Side of square crops in model pixels; 0 = whole images are the fields. */
  crop?: number;
  /** Validation images held out (default 15% of the folder, at least 1). */
  validationCount?: number;
  /** Largest unlabelled set per round (a sample of the unpicked pool). */
  maxUnlabelled?: number;
  /** Only this many pool fields (a seeded sample) to keep runs short. */
  poolSize?: number;
  sourceMpp?: number;
  backend?: string;
  /** Learning rate of every round (default: 0.5 for a fresh model, the fine-tune rate after). */
  lr?: number;
  /**
   * Every round trains from the starting model (initFrom, or fresh weights) on all the fields
   * picked so far, instead of from the previous round's model: the usual pool-based
   * active-learning protocol. A round's model then depends on its labelled set alone, not on
   * the noise of every earlier round's fine-tuning (which, chained, moved Dice by +-0.04 and
   * drowned the difference between the strategies). Costs nothing extra per round.
   */
  restartEachRound?: boolean;
  /**
   * Train the starting model first, supervised for this many steps on the folder's images that
   * are neither validation nor pool (needs poolSize), as the app starts from a model trained on
   * other slides; round 0 then scores it. Makes a warm-start run one command for any seed.
   */
  pretrainSteps?: number;
  onRound?(r: RoundResult): void;
  onProgress?(round: number, p: TrainProgress): void;
  onStage?(round: number, stage: string): void;
}

export interface RoundResult {
  /** 1-based; round 0 is the starting model (initFrom) before any field was picked. */
  round: number;
  labelledFields: number;
  picked: string[];
  steps: number;
  dice: number | null;
  iou: number | null;
  objectF1: number | null;
  seconds: number;
}

export interface SimulateResult {
  strategy: Strategy;
  seed: number;
  pool: number;
  validation: number;
  fieldsPerRound: number;
  budgetPerRoundSeconds: number;
  stepsPerRound: number | null;
  backend: string;
  rounds: RoundResult[];
}

interface Field {
  name: string;
  image: string;
  label: string;
  /** Position for the queue's diversity term: crops of one image are neighbours, images are far apart. */
  x: number;
  y: number;
  size: number;
}

/** Far enough apart that the diversity penalty between different images is nil. */
const IMAGE_SPACING = 1e7;

export async function simulate(opts: SimulateOptions): Promise<SimulateResult> {
  if (!(opts.rounds >= 1 && opts.fieldsPerRound >= 1)) throw new Error('rounds and fields per round must be at least 1');
  const mpp = opts.initFrom ? (await readModelJson(opts.initFrom)).semimoe.config.mpp : makeConfig().mpp;
  const entries = (await listGlasFolder(opts.dataDir)).filter((e) => e.labelPath);
  if (entries.length < 2) throw new Error(`${opts.dataDir} needs at least 2 labelled images`);
  const order = shuffled(entries, createRng(deriveSeed(opts.seed, 'simulate.split')));
  const nVal = opts.validationCount ?? Math.max(1, Math.round(entries.length * 0.15));
  const validation = order.slice(0, nVal);
  let poolEntries = order.slice(nVal);
  if (opts.poolSize !== undefined) poolEntries = poolEntries.slice(0, opts.poolSize);
  if (poolEntries.length < opts.fieldsPerRound) throw new Error('the pool is smaller than one round of fields');

  const pretrainEntries = order.slice(nVal + poolEntries.length);
  if (opts.pretrainSteps !== undefined) {
    if (opts.initFrom) throw new Error('give either a starting model (--init) or --pretrain-steps, not both');
    if (opts.poolSize === undefined || pretrainEntries.length === 0) throw new Error('--pretrain-steps needs images outside the validation set and the pool: set --pool smaller');
  }

  await rm(opts.workDir, { recursive: true, force: true });
  const valDir = path.join(opts.workDir, 'validation');
  const sourceMpp = opts.sourceMpp ?? GLAS_MPP;
  // Every field is written once at the model's resolution, so rounds read small files.
  for (const e of validation) await writeField(e, sourceMpp, mpp, valDir, 0, () => {});
  const pool: Field[] = [];
  for (const [k, e] of poolEntries.entries()) {
    await writeField(e, sourceMpp, mpp, path.join(opts.workDir, 'fields'), opts.crop ?? 0, (f) => pool.push({ ...f, x: f.x + k * IMAGE_SPACING }));
  }

  const picked: Field[] = [];
  const rounds: RoundResult[] = [];
  let initFrom = opts.initFrom;
  let model = initFrom ?? null;
  let backend = '';
  const rng = createRng(deriveSeed(opts.seed, 'simulate.random'));
  try {
    if (opts.pretrainSteps !== undefined) {
      opts.onStage?.(0, `pretraining on ${pretrainEntries.length} images outside the pool and validation`);
      const pretrainDir = path.join(opts.workDir, 'pretrain');
      for (const e of pretrainEntries) await writeField(e, sourceMpp, mpp, pretrainDir, 0, () => {});
      const trained = await trainSemiMoe({
        dataDir: pretrainDir,
        labeledFraction: 1,
        validationFraction: 0,
        supervisedOnly: true,
        outDir: path.join(pretrainDir, 'model'),
        steps: opts.pretrainSteps,
        sourceMpp: mpp,
        seed: opts.seed,
        backend: opts.backend,
        onProgress: (p) => opts.onProgress?.(0, p),
      });
      initFrom = model = trained.outDir;
    }
    if (initFrom) {
      // Round 0: where both curves start, so a round that makes the model worse shows as such.
      const started = Date.now();
      opts.onStage?.(0, 'evaluating the starting model');
      const m = await evaluateOnFields(initFrom, valDir, mpp, { backend: opts.backend });
      const result: RoundResult = { round: 0, labelledFields: 0, picked: [], steps: 0, dice: m.dice, iou: m.iou, objectF1: m.objectF1, seconds: Math.round((Date.now() - started) / 1000) };
      rounds.push(result);
      opts.onRound?.(result);
    }
    for (let round = 1; round <= opts.rounds; round++) {
      const started = Date.now();
      const rest = pool.filter((f) => !picked.includes(f));
      if (rest.length === 0) break;
      const k = Math.min(opts.fieldsPerRound, rest.length);
      let chosen: Field[];
      if (opts.strategy === 'random' || model === null) {
        // Both strategies draw round 1 from the same stream, so they start from the same fields.
        chosen = shuffled(rest, rng).slice(0, k);
      } else {
        opts.onStage?.(round, `scoring ${rest.length} pool fields`);
        chosen = await byUncertainty(model, rest, picked, k, opts.backend);
        shuffled(rest, rng); // keep the random stream in step with the random strategy's
      }
      picked.push(...chosen);
      const roundDir = path.join(opts.workDir, `round-${round}`);
      const unpicked = pool.filter((f) => !picked.includes(f));
      const unlabelled = shuffled(unpicked, createRng(deriveSeed(opts.seed, 'simulate.unlabelled', round))).slice(0, opts.maxUnlabelled ?? 16);
      await linkSet(roundDir, picked, unlabelled);
      const outDir = path.join(roundDir, 'model');
      const start = opts.restartEachRound ? (initFrom ?? null) : model;
      const trained = await trainSemiMoe({
        dataDir: roundDir,
        labeledFraction: 1,
        // No validation inside the round: the round's last weights are scored once below, at
        // the default threshold. Picking the best step and threshold on the validation set
        // each round would select on the very numbers being compared (and cost ten passes
        // over it per round).
        validationFraction: 0,
        supervisedOnly: unlabelled.length === 0,
        outDir,
        timeBudgetSeconds: opts.stepsPerRound ? undefined : opts.budgetPerRoundSeconds,
        steps: opts.stepsPerRound,
        initFrom: start ?? undefined,
        sourceMpp: mpp,
        seed: opts.seed + round,
        backend: opts.backend,
        // A fresh model learns at the default rate; a round that starts from a trained model
        // fine-tunes it at the app's Retrain rate (fine-tune.ts), as a pathologist's rounds do.
        // (One rate of 0.5 for every round let a single round undo the last: Dice 0.81 -> 0.71.)
        // Its pseudo-labels are Retrain's too, so the simulation measures what the app runs.
        config: { lr: opts.lr ?? (start ? FINE_TUNE_LR : makeConfig().lr), ...FINE_TUNE_PSEUDO_LABELS },
        onProgress: (p) => opts.onProgress?.(round, p),
      });
      backend = trained.backend;
      opts.onStage?.(round, 'evaluating');
      const m = await evaluateOnFields(outDir, valDir, mpp, { backend: opts.backend });
      const result: RoundResult = {
        round,
        labelledFields: picked.length,
        picked: chosen.map((f) => f.name),
        steps: trained.steps,
        dice: m.dice,
        iou: m.iou,
        objectF1: m.objectF1,
        seconds: Math.round((Date.now() - started) / 1000),
      };
      rounds.push(result);
      opts.onRound?.(result);
      model = outDir;
    }
  } finally {
    if (!opts.keep) await rm(opts.workDir, { recursive: true, force: true });
  }
  return {
    strategy: opts.strategy,
    seed: opts.seed,
    pool: pool.length,
    validation: validation.length,
    fieldsPerRound: opts.fieldsPerRound,
    budgetPerRoundSeconds: opts.budgetPerRoundSeconds,
    stepsPerRound: opts.stepsPerRound ?? null,
    backend,
    rounds,
  };
}

/**
 * The app's queue over the pool: mean pixel uncertainty per field, ranked with diversity in
 * appearance; fields corrected in earlier rounds count as done (they push look-alikes down).
 */
async function byUncertainty(modelDir: string, fields: readonly Field[], done: readonly Field[], k: number, backend?: string): Promise<Field[]> {
  const predictor = await loadPredictor(modelDir, backend ?? 'auto');
  try {
    const describe = async (f: Field): Promise<ScoredField> => {
      const img = await loadRgbImage({ name: f.name, imagePath: f.image, labelPath: null }, 1, 1);
      const dense = predictDense(predictor, img.rgb, img.width, img.height);
      const u = uncertaintyMap(dense.fg, dense.disagreement, null);
      let sum = 0;
      for (const v of u) sum += v;
      return { id: f.name, x: f.x, y: f.y, width: f.size, height: f.size, score: sum / u.length, features: fieldAppearance(img.rgb, dense.fg) };
    };
    const scored: ScoredField[] = [];
    for (const f of fields) scored.push(await describe(f));
    const doneScored: ScoredField[] = [];
    for (const f of done) doneScored.push(await describe(f));
    const byName = new Map(fields.map((f) => [f.name, f]));
    return rankFields(scored, { done: doneScored, densityWeight: 1 })
      .slice(0, k)
      .map((r) => byName.get(r.id)!);
  } finally {
    predictor.dispose();
  }
}

/**
 * What a field looks like, for the queue's appearance diversity: mean optical density of each
 * RGB channel (stain amount and balance), the spread of grey levels (texture, blank areas) and
 * the predicted gland fraction (tissue composition).
 */
export function fieldAppearance(rgb: Uint8Array, fg: Float32Array): number[] {
  const n = fg.length;
  const od = [0, 0, 0];
  let grey = 0;
  let grey2 = 0;
  let gland = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) od[c] -= Math.log10((rgb[i * 3 + c] + 1) / 256);
    const g = (rgb[i * 3] + rgb[i * 3 + 1] + rgb[i * 3 + 2]) / 3;
    grey += g;
    grey2 += g * g;
    gland += fg[i];
  }
  const meanGrey = grey / n;
  return [od[0] / n, od[1] / n, od[2] / n, Math.sqrt(Math.max(0, grey2 / n - meanGrey ** 2)), gland / n];
}

/** Writes an image and its mask (or its crops) at the model's resolution into dir/images|labels. */
async function writeField(
  entry: { name: string; imagePath: string; labelPath: string | null },
  sourceMpp: number,
  mpp: number,
  dir: string,
  crop: number,
  add: (f: Field) => void,
): Promise<void> {
  await mkdir(path.join(dir, 'images'), { recursive: true });
  await mkdir(path.join(dir, 'labels'), { recursive: true });
  const img = await loadRgbImage(entry, sourceMpp, mpp);
  const mask = Buffer.from(img.mask!.map((v) => (v ? 255 : 0)));
  const rgb = Buffer.from(img.rgb.buffer, img.rgb.byteOffset, img.rgb.byteLength);
  const tiles =
    crop > 0 && img.width >= crop && img.height >= crop
      ? cropOrigins(img.width, img.height, crop).map(([x, y]) => ({ x, y, w: crop, h: crop, name: `${entry.name}_${x}_${y}` }))
      : [{ x: 0, y: 0, w: img.width, h: img.height, name: entry.name }];
  for (const t of tiles) {
    const image = path.join(dir, 'images', `${t.name}.png`);
    const label = path.join(dir, 'labels', `${t.name}.png`);
    const region = { left: t.x, top: t.y, width: t.w, height: t.h };
    await sharp(rgb, { raw: { width: img.width, height: img.height, channels: 3 } }).extract(region).png().toFile(image);
    await sharp(mask, { raw: { width: img.width, height: img.height, channels: 1 } }).extract(region).png().toFile(label);
    add({ name: t.name, image, label, x: t.x, y: t.y, size: Math.max(t.w, t.h) });
  }
}

/** Non-overlapping crops covering the image, the last row and column flush with its edges. */
function cropOrigins(width: number, height: number, crop: number): [number, number][] {
  const starts = (n: number) => {
    const count = Math.max(1, Math.round(n / crop));
    return Array.from({ length: count }, (_, i) => (count === 1 ? 0 : Math.round((i * (n - crop)) / (count - 1))));
  };
  return starts(height).flatMap((y) => starts(width).map((x): [number, number] => [x, y]));
}

/** A round's training folder: picked fields with labels, unlabelled ones without. */
async function linkSet(dir: string, labelled: readonly Field[], unlabelled: readonly Field[]): Promise<void> {
  await mkdir(path.join(dir, 'images'), { recursive: true });
  await mkdir(path.join(dir, 'labels'), { recursive: true });
  const place = async (from: string, to: string) => {
    try {
      await symlink(from, to);
    } catch {
      await copyFile(from, to); // file systems without symlinks
    }
  };
  for (const f of labelled) {
    await place(f.image, path.join(dir, 'images', `${f.name}.png`));
    await place(f.label, path.join(dir, 'labels', `${f.name}.png`));
  }
  for (const f of unlabelled) await place(f.image, path.join(dir, 'images', `${f.name}.png`));
}
