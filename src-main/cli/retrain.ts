/**
 * `semimoe retrain --project DIR`: the Retrain button without the app. Fine-tunes the project's
 * active model on its done fields in a trainer process (the same service the app uses), shows
 * progress on stderr, and prints the new version with the previous model's metrics beside it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { TrainingFinished, TrainingProgress } from '../api/contract';
import { DATABASE_FILE } from '../project/store';
import { progressBar } from './train';
import { parseCommand, usageError } from './args';

const HELP = `Usage: semimoe retrain --project DIR [options]

Fine-tunes the project's active model with Semi-MoE on its done fields of the training split
(labelled) and tissue tiles of its slides (unlabelled), and saves a new model version. The new
version is not activated unless --activate is given; its validation metrics (on the project's
done validation fields) are printed beside the previous model's.

  --project DIR     the project folder (holds ${DATABASE_FILE})
  --budget S        training time in seconds (default 300)
  --activate        make the new version the active model
  --backend B       auto | tensorflow-gpu | tensorflow | wasm | cpu (default auto)
  --seed S          random seed (default 1)
  --json            print the result (TrainingFinished) as JSON on stdout
`;

export async function run(argv: string[]): Promise<number> {
  const values = parseCommand('retrain', HELP, {
    args: argv,
    options: {
      project: { type: 'string' },
      budget: { type: 'string', default: '300' },
      activate: { type: 'boolean', default: false },
      backend: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (typeof values === 'number') return values;
  if (!values.project) return fail('--project is required (see --help)');
  const projectDir = path.resolve(values.project);
  if (!existsSync(path.join(projectDir, DATABASE_FILE))) return fail(`${projectDir} is not a Semi-MoE Studio project (no ${DATABASE_FILE})`);
  const budget = Number(values.budget);
  if (!(Number.isFinite(budget) && budget > 0)) return fail(`--budget: invalid value "${values.budget}"`);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed)) return fail(`--seed: invalid value "${values.seed}"`);

  // Loaded here: the engine pulls in SQLite and the slide readers, which --help does not need.
  const { StudioEngine } = await import('../engine/studio-engine');
  const engine = new StudioEngine({ projectDir, mode: 'web', retrain: { backend: values.backend, seed } });
  const bar = progressBar(process.stderr);
  let announced = false;
  const offProgress = engine.on('train:progress', (p) => {
    if (!announced) {
      process.stderr.write(`semimoe retrain: backend ${p.backend}\n`);
      announced = true;
    }
    bar(asTrainProgress(p));
  });
  const ended = new Promise<TrainingFinished>((resolve) => engine.on('train:finished', resolve));
  const onSigint = () => engine.retrain.cancel();
  process.once('SIGINT', onSigint);
  try {
    const before = engine.retrain.status().data;
    const { jobId } = await engine.retrain.start(budget);
    process.stderr.write(
      `semimoe retrain: ${jobId}: ${before.labelledFields} training field(s), ${before.validationFields} validation field(s), budget ${budget} s\n`,
    );
    const result = await ended;
    bar(null);
    if (result.status === 'done' && values.activate && result.candidate) {
      engine.models.activate(result.candidate.id);
      result.candidate = engine.models.get(result.candidate.id);
    }
    process.stderr.write(`semimoe retrain: ${result.status}: ${result.message}\n`);
    if (result.candidate) process.stderr.write(`  new version ${result.candidate.id} ${metricsLine(result.candidate.metrics)}${result.candidate.active ? ' (active)' : ''}\n`);
    if (result.previous && result.status === 'done') process.stderr.write(`  previous    ${result.previous.id} ${metricsLine(result.previous.metrics)}\n`);
    if (values.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return result.status === 'done' ? 0 : result.status === 'cancelled' ? 130 : 1;
  } catch (e) {
    bar(null);
    return fail((e as Error).message);
  } finally {
    process.off('SIGINT', onSigint);
    offProgress();
    await engine.close();
  }
}

/** The training panel's numbers in the shape the train command's progress bar draws. */
function asTrainProgress(p: TrainingProgress) {
  return {
    step: p.step,
    totalSteps: p.totalSteps,
    losses: p.losses,
    lossWeights: p.weights,
    lr: 0,
    rampWeight: 0,
    imagesPerSecond: p.imagesPerSecond,
    elapsedSeconds: p.elapsedSeconds,
    etaSeconds: p.etaSeconds,
    backend: p.backend,
  };
}

function metricsLine(m: { dice: number | null; iou: number | null; objectF1: number | null }): string {
  const f = (v: number | null) => (v === null ? 'n/a' : v.toFixed(4));
  return `Dice ${f(m.dice)} IoU ${f(m.iou)} object F1 ${f(m.objectF1)}`;
}

function fail(message: string): number {
  return usageError('retrain', message);
}
