/**
 * `semimoe simulate`: compares the active-learning queue with random choice on a GlaS-layout
 * folder (retrain/simulate.ts). Prints validation Dice after each round.
 */
import { tmpdir } from 'node:os';
import path from 'node:path';
import { registerTrainingGradients } from '../semimoe/backend/gradients';
import type { TrainProgress } from '../semimoe/train';
import { progressBar } from './train';
import { parseCommand, usageError } from './args';

const HELP = `Usage: semimoe simulate --data DIR --strategy uncertainty|random --rounds N --fields-per-round K [options]

Simulates review rounds on a GlaS-layout folder: each image (or crop) is a field; an oracle
corrects the chosen fields with their true masks; each round fine-tunes the previous round's
model for a fixed time and reports Dice on a held-out validation set.

  --data DIR               GlaS-layout folder (images/ + labels/)
  --strategy S             uncertainty (the app's queue) | random
  --rounds N               review rounds
  --fields-per-round K     fields corrected per round
  --budget-per-round S     training seconds per round (default 60)
  --steps-per-round N      bound rounds by steps instead (same compute for both strategies
                           on a busy machine)
  --seed S                 random seed (default 1): the same seed gives both strategies the same
                           validation set and the same first round
  --init MODEL_DIR         start from this model (default: a fresh model)
  --pretrain-steps N       first train the starting model, supervised, N steps on the images
                           outside the validation set and the pool (needs --pool)
  --restart-each-round     every round trains from the starting model (--init or fresh) on all
                           fields picked so far, not from the previous round's model
  --crop PX                fields are PX-pixel crops (model resolution) instead of whole images
  --validation N           validation images held out (default 15%)
  --pool N                 use only N pool images (a seeded sample)
  --unlabelled N           unlabelled fields per round (default 16)
  --lr LR                  learning rate of every round (default: 0.5 for a fresh model, then
                           the app's fine-tune rate 0.05 from the previous round's model)
  --backend B              auto | tensorflow-gpu | tensorflow | wasm | cpu (default auto)
  --work DIR               working folder (default: a temporary one, removed at the end)
  --json                   print the result as JSON on stdout
`;

export async function run(argv: string[]): Promise<number> {
  const values = parseCommand('simulate', HELP, {
    args: argv,
    options: {
      data: { type: 'string' },
      strategy: { type: 'string' },
      rounds: { type: 'string' },
      'fields-per-round': { type: 'string' },
      'budget-per-round': { type: 'string', default: '60' },
      'steps-per-round': { type: 'string' },
      seed: { type: 'string', default: '1' },
      init: { type: 'string' },
      crop: { type: 'string' },
      'restart-each-round': { type: 'boolean', default: false },
      'pretrain-steps': { type: 'string' },
      validation: { type: 'string' },
      pool: { type: 'string' },
      unlabelled: { type: 'string' },
      lr: { type: 'string' },
      backend: { type: 'string' },
      work: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (typeof values === 'number') return values;
  if (!values.data || !values.strategy || !values.rounds || !values['fields-per-round']) {
    return fail('--data, --strategy, --rounds and --fields-per-round are required (see --help)');
  }
  if (values.strategy !== 'uncertainty' && values.strategy !== 'random') return fail(`--strategy: expected uncertainty or random, got "${values.strategy}"`);
  const strategy = values.strategy;
  let numbers;
  try {
    const int = (name: string, v: string | undefined, min: number) => {
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) throw new Error(`--${name}: invalid value "${v}"`);
      return n;
    };
    const budget = Number(values['budget-per-round']);
    if (!(budget > 0)) throw new Error(`--budget-per-round: invalid value "${values['budget-per-round']}"`);
    const lr = values.lr === undefined ? undefined : Number(values.lr);
    if (lr !== undefined && !(lr > 0)) throw new Error(`--lr: invalid value "${values.lr}"`);
    numbers = {
      rounds: int('rounds', values.rounds, 1)!,
      steps: int('steps-per-round', values['steps-per-round'], 1),
      fieldsPerRound: int('fields-per-round', values['fields-per-round'], 1)!,
      budget,
      seed: int('seed', values.seed, 0)!,
      crop: int('crop', values.crop, 16),
      validation: int('validation', values.validation, 1),
      pool: int('pool', values.pool, 1),
      unlabelled: int('unlabelled', values.unlabelled, 0),
      pretrainSteps: int('pretrain-steps', values['pretrain-steps'], 1),
      lr,
    };
  } catch (e) {
    return fail((e as Error).message);
  }

  // The training code is imported after the gradient hook (backend/gradients.ts).
  await registerTrainingGradients();
  const { simulate } = await import('../retrain/simulate');
  const bar = progressBar(process.stderr);
  try {
    const result = await simulate({
      dataDir: path.resolve(values.data),
      strategy,
      rounds: numbers.rounds,
      fieldsPerRound: numbers.fieldsPerRound,
      budgetPerRoundSeconds: numbers.budget,
      stepsPerRound: numbers.steps,
      seed: numbers.seed,
      workDir: values.work ? path.resolve(values.work) : path.join(tmpdir(), `semimoe-simulate-${process.pid}`),
      keep: Boolean(values.work),
      initFrom: values.init ? path.resolve(values.init) : undefined,
      crop: numbers.crop,
      restartEachRound: values['restart-each-round'],
      pretrainSteps: numbers.pretrainSteps,
      validationCount: numbers.validation,
      poolSize: numbers.pool,
      maxUnlabelled: numbers.unlabelled,
      lr: numbers.lr,
      backend: values.backend,
      onProgress: (_round: number, p: TrainProgress) => bar(p),
      onStage: (round, stage) => {
        bar(null);
        process.stderr.write(`round ${round}: ${stage}\n`);
      },
      onRound: (r) => {
        bar(null);
        const line = `round ${r.round}: ${r.labelledFields} labelled fields, ${r.steps} steps, validation Dice ${fmt(r.dice)} IoU ${fmt(r.iou)} object F1 ${fmt(r.objectF1)} (${r.seconds} s)\n`;
        process.stderr.write(`${strategy} ${line}`);
        if (!values.json) process.stdout.write(line);
      },
    });
    if (values.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return 0;
  } catch (e) {
    bar(null);
    return fail((e as Error).message);
  }
}

function fmt(v: number | null): string {
  return v === null ? 'n/a' : v.toFixed(4);
}

function fail(message: string): number {
  return usageError('simulate', message);
}
