/**
 * Trains the starter model shipped in resources/models/starter, then (optionally) the
 * semi-supervised vs supervised-only comparison with the same 1/8 of labels.
 *
 *   npx tsx scripts/train-starter.ts [--data ../shared/data/glas-train] [--minutes 30]
 *                                    [--compare-minutes 9] [--backend wasm] [--only starter|compare]
 *
 * The settings below are what the shipped model card records; change them here, not by hand.
 * Everything runs on one thread (the WebAssembly backend is single-threaded in Node), so the
 * machine's other cores stay free.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { registerTrainingGradients } from '../src-main/semimoe/backend/gradients';
import type { TrainOptions, TrainProgress } from '../src-main/semimoe/train';

// model.ts imports tfjs-core's gradient registry, which plain Node (tsx) can only load once
// this resolve hook is in place, so the training modules are imported after it.
await registerTrainingGradients();
const { trainSemiMoe } = await import('../src-main/semimoe/train');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: path.resolve(root, '../shared/data/glas-train') },
    minutes: { type: 'string', default: '30' },
    'compare-minutes': { type: 'string', default: '9' },
    backend: { type: 'string', default: 'wasm' },
    only: { type: 'string' },
    out: { type: 'string', default: path.join(root, 'resources/models/starter') },
  },
});

/** Small enough for a 2-core CPU: width 8 experts, 128-px tiles at half GlaS resolution. */
export const STARTER_CONFIG = { width: 8, inputSize: 128, mpp: 1.24 };

function logger(tag: string) {
  let lastLog = 0;
  return (p: TrainProgress) => {
    const now = Date.now();
    if (!p.validation && now - lastLog < 30_000) return;
    lastLog = now;
    const losses = Object.entries(p.losses)
      .map(([k, v]) => `${k}=${v.toFixed(4)}`)
      .join(' ');
    const w = Object.entries(p.lossWeights)
      .map(([k, v]) => `${k}=${v.toFixed(3)}`)
      .join(' ');
    const val = p.validation ? ` | val dice=${p.validation.dice.toFixed(4)} iou=${p.validation.iou.toFixed(4)} thr=${p.validation.threshold}${p.validation.best ? ' BEST' : ''}` : '';
    console.log(`[${tag}] step ${p.step} t=${p.elapsedSeconds.toFixed(0)}s ${p.imagesPerSecond.toFixed(2)} img/s lr=${p.lr.toExponential(2)} ramp=${p.rampWeight.toFixed(3)} ${losses} | ${w}${val}`);
  };
}

async function run(tag: string, opts: Omit<TrainOptions, 'onProgress' | 'backend' | 'dataDir' | 'config'>) {
  console.log(`[${tag}] start ${new Date().toISOString()} ${JSON.stringify(opts)}`);
  const result = await trainSemiMoe({
    ...opts,
    dataDir: values.data!,
    backend: values.backend,
    config: STARTER_CONFIG,
    validateEverySeconds: 240,
    onProgress: logger(tag),
  });
  const v = result.card.validation;
  console.log(`[${tag}] done: ${result.steps} steps on ${result.backend}; best step ${result.card.training.bestStep}; ` + `val Dice ${v.pixelDice.toFixed(4)} IoU ${v.pixelIoU.toFixed(4)} thr ${v.threshold}; objects ${JSON.stringify(v.objects)}`);
  return result;
}

const only = values.only;
if (only !== 'compare') {
  await run('starter', {
    labeledFraction: 1,
    supervisedOnly: true, // every training image is labelled: nothing is left unlabelled
    validationFraction: 0.15,
    outDir: values.out!,
    timeBudgetSeconds: Number(values.minutes) * 60,
    seed: 1,
  });
}
if (only !== 'starter' && Number(values['compare-minutes']) > 0) {
  const dir = path.join(root, '.semimoe-tmp/compare');
  await mkdir(dir, { recursive: true });
  const common = { labeledFraction: 0.125, validationFraction: 0.15, timeBudgetSeconds: Number(values['compare-minutes']) * 60, seed: 1 };
  const semi = await run('semi', { ...common, supervisedOnly: false, outDir: path.join(dir, 'semi') });
  const sup = await run('supervised', { ...common, supervisedOnly: true, outDir: path.join(dir, 'supervised') });
  const summary = {
    labelled: semi.card.data.labelled,
    unlabelled: semi.card.data.unlabelled,
    validation: semi.card.data.validation,
    minutes: Number(values['compare-minutes']),
    semi: { steps: semi.steps, ...semi.card.validation, sweep: undefined },
    supervised: { steps: sup.steps, ...sup.card.validation, sweep: undefined },
  };
  await writeFile(path.join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  console.log(`[compare] ${JSON.stringify(summary)}`);
}
