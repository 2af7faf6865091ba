import { resolve } from 'node:path';
import { registerTrainingGradients } from '../semimoe/backend/gradients';
import type { PseudoLabelView } from '../semimoe/config';
import type { TrainProgress } from '../semimoe/train';
import { parseCommand, usageError } from './args';

const HELP = `Usage: semimoe train --data DIR --labeled F --out MODEL_DIR [options]

Trains a Semi-MoE gland segmentation model on a GlaS-layout folder (images/, labels/).
A validation split is held out of DIR; the best step and threshold are chosen on it.

  --data DIR            training folder (images/NAME.png + labels/NAME.png)
  --labeled F           fraction of the non-validation images used with labels (0 < F <= 1)
  --out MODEL_DIR       where the model (model.json, weights.bin, model-card.json) is written
  --supervised-only     ignore the unlabelled images (the baseline)
  --steps N | --epochs E | --minutes M   how long to train (default: 300 steps)
  --validation F        validation fraction (default 0.15)
  --backend B           auto | tensorflow-gpu | tensorflow | wasm | cpu (default auto)
  --seed S              random seed (default 1)
  --init MODEL_DIR      start from this model's weights and learned loss weights (its
                        architecture is kept); e.g. semi-supervised rounds after a supervised start
  --lr LR               network learning rate (default 0.5; 0.05 suits --init)
  --pseudo-labels V     weak-strong (default: teacher pass on the tile, experts trained
                        on a colour-perturbed copy) | same-pass (the reference)
  --pseudo-confidence T only pixels where the gated head's top probability is >= T
                        (0.5..1) train the experts on unlabelled tiles (default 0: all)
  --teacher-ema D       weak-strong teacher = moving average of the weights, decay D
                        (default 0.99; 0 = the model itself, as in the reference)
  --width W             U-Net base width
  --input-size S        training tile side in pixels
  --mpp M               model resolution in micrometres per pixel
  --source-mpp M        resolution of the folder's images (default GlaS 0.62005)
  --json                print the result as JSON on stdout
`;

export async function run(argv: string[]): Promise<number> {
  const values = parseCommand('train', HELP, {
    args: argv,
    options: {
      data: { type: 'string' },
      labeled: { type: 'string' },
      out: { type: 'string' },
      'supervised-only': { type: 'boolean', default: false },
      steps: { type: 'string' },
      epochs: { type: 'string' },
      minutes: { type: 'string' },
      validation: { type: 'string' },
      backend: { type: 'string', default: 'auto' },
      seed: { type: 'string' },
      init: { type: 'string' },
      lr: { type: 'string' },
      width: { type: 'string' },
      'pseudo-labels': { type: 'string' },
      'teacher-ema': { type: 'string' },
      'pseudo-confidence': { type: 'string' },
      'input-size': { type: 'string' },
      mpp: { type: 'string' },
      'source-mpp': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (typeof values === 'number') return values;
  if (!values.data || !values.out || !values.labeled) return fail('--data, --labeled and --out are required (see --help)');
  const num = (name: string, v: string | undefined, ok: (n: number) => boolean) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || !ok(n)) throw new Error(`--${name}: invalid value "${v}"`);
    return n;
  };
  let opts;
  try {
    const labeled = num('labeled', values.labeled, (n) => n > 0 && n <= 1)!;
    const steps = num('steps', values.steps, (n) => Number.isInteger(n) && n > 0);
    const epochs = num('epochs', values.epochs, (n) => n > 0);
    const minutes = num('minutes', values.minutes, (n) => n > 0);
    const config: { width?: number; inputSize?: number; mpp?: number; pseudoLabelView?: PseudoLabelView; pseudoLabelConfidence?: number; teacherEmaDecay?: number; lr?: number } = {};
    const lr = num('lr', values.lr, (n) => n > 0);
    if (lr !== undefined) config.lr = lr;
    const ema = num('teacher-ema', values['teacher-ema'], (n) => n >= 0 && n < 1);
    if (ema !== undefined) config.teacherEmaDecay = ema;
    const confidence = num('pseudo-confidence', values['pseudo-confidence'], (n) => n === 0 || (n >= 0.5 && n < 1));
    if (confidence !== undefined) config.pseudoLabelConfidence = confidence;
    const view = values['pseudo-labels'];
    if (view !== undefined && view !== 'same-pass' && view !== 'weak-strong') throw new Error(`--pseudo-labels: invalid value "${view}" (same-pass or weak-strong)`);
    if (view !== undefined) config.pseudoLabelView = view;
    const width = num('width', values.width, (n) => Number.isInteger(n) && n >= 1);
    const inputSize = num('input-size', values['input-size'], (n) => Number.isInteger(n) && n >= 16 && n % 16 === 0);
    const mpp = num('mpp', values.mpp, (n) => n > 0);
    if (width !== undefined) config.width = width;
    if (inputSize !== undefined) config.inputSize = inputSize;
    if (mpp !== undefined) config.mpp = mpp;
    opts = {
      dataDir: resolve(values.data),
      outDir: resolve(values.out),
      labeledFraction: labeled,
      supervisedOnly: values['supervised-only'],
      steps: steps ?? (epochs === undefined && minutes === undefined ? 300 : undefined),
      epochs,
      timeBudgetSeconds: minutes !== undefined ? minutes * 60 : undefined,
      validationFraction: num('validation', values.validation, (n) => n >= 0 && n < 1),
      seed: num('seed', values.seed, Number.isInteger),
      sourceMpp: num('source-mpp', values['source-mpp'], (n) => n > 0),
      backend: values.backend,
      initFrom: values.init ? resolve(values.init) : undefined,
      config,
    };
  } catch (e) {
    return fail((e as Error).message);
  }

  // The engine is imported after the gradient hook (backend/gradients.ts): plain Node cannot
  // load tfjs-core's gradient registry that model.ts imports without it.
  await registerTrainingGradients();
  const { trainSemiMoe } = await import('../semimoe/train');
  const bar = progressBar(process.stderr);
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    let announced = false;
    const result = await trainSemiMoe({
      ...opts,
      signal: controller.signal,
      onProgress: (p) => {
        if (!announced) {
          process.stderr.write(`semimoe train: backend ${p.backend}\n`);
          announced = true;
        }
        bar(p);
      },
    });
    bar(null);
    const v = result.card.validation;
    process.stderr.write(
      `semimoe train: ${result.cancelled ? 'cancelled' : 'done'} after ${result.steps} steps on ${result.backend}; ` +
        `validation Dice ${fmt(v.pixelDice)} IoU ${fmt(v.pixelIoU)} at threshold ${v.threshold}; model in ${result.outDir}\n`,
    );
    if (values.json) process.stdout.write(JSON.stringify({ outDir: result.outDir, backend: result.backend, steps: result.steps, cancelled: result.cancelled, card: result.card }, null, 2) + '\n');
    return result.cancelled ? 130 : 0;
  } catch (e) {
    bar(null);
    return fail((e as Error).message);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function fail(message: string): number {
  return usageError('train', message);
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toFixed(4) : 'n/a';
}

function duration(s: number): string {
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

/**
 * A progress bar on a TTY (redrawn in place), plain lines elsewhere (at most one per 10% or
 * per validation, so logs stay short). Call with null to finish the line.
 */
export function progressBar(stream: NodeJS.WriteStream): (p: TrainProgress | null) => void {
  const tty = Boolean(stream.isTTY);
  let lastTenth = -1;
  let drawn = false;
  return (p) => {
    if (p === null) {
      if (drawn && tty) stream.write('\n');
      drawn = false;
      return;
    }
    const frac = p.totalSteps ? p.step / p.totalSteps : p.etaSeconds !== null ? p.elapsedSeconds / (p.elapsedSeconds + p.etaSeconds) : 0;
    const loss = p.losses.total ?? Object.values(p.losses)[0] ?? NaN;
    const weights = Object.entries(p.lossWeights)
      .map(([k, v]) => `${k}=${v.toFixed(2)}`)
      .join(' ');
    const teacher = p.validation?.teacherDice !== undefined ? ` teacher ${p.validation.teacherDice.toFixed(3)}` : '';
    const val = p.validation ? ` val Dice ${p.validation.dice.toFixed(3)}@${p.validation.threshold}${teacher}${p.validation.best ? '*' : ''}` : '';
    const text =
      `step ${p.step}${p.totalSteps ? '/' + p.totalSteps : ''} loss ${fmt(loss)} ${weights} ` +
      `${p.imagesPerSecond.toFixed(2)} img/s ETA ${p.etaSeconds === null ? '?' : duration(p.etaSeconds)}${val}`;
    if (tty) {
      const width = 24;
      const filled = Math.round(Math.min(1, frac) * width);
      stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text}\x1b[K`);
      drawn = true;
    } else {
      const tenth = Math.floor(frac * 10);
      if (tenth !== lastTenth || p.validation) {
        lastTenth = tenth;
        stream.write(text + '\n');
      }
    }
  };
}
