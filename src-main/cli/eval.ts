import { resolve } from 'node:path';
import { registerTrainingGradients } from '../semimoe/backend/gradients';
import type { ImageMetrics, MeanMetrics } from '../semimoe/metrics';
import { parseCommand, usageError } from './args';

const HELP = `Usage: semimoe eval --model MODEL_DIR --data DIR [--split validation|all] [--json]

Evaluates a model on a GlaS-layout folder: pixel Dice and IoU, and the GlaS object-level
F1 (IoU > 0.5 match), object Dice and object Hausdorff (pixels of the folder's images), per
image and mean.

  --split validation   only the images the model card lists as its validation split
                       (default when DIR is the folder the model was trained on)
  --split all          every labelled image in DIR (use this on a held-out test folder)
  --threshold T        fused-mask threshold (default: the model card's)
  --backend B          auto | tensorflow-gpu | tensorflow | wasm | cpu
  --json               print per-image and mean metrics as JSON on stdout
`;

export async function run(argv: string[]): Promise<number> {
  const values = parseCommand('eval', HELP, {
    args: argv,
    options: {
      model: { type: 'string' },
      data: { type: 'string' },
      split: { type: 'string' },
      threshold: { type: 'string' },
      mpp: { type: 'string' },
      backend: { type: 'string', default: 'auto' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (typeof values === 'number') return values;
  if (!values.model || !values.data) return fail('--model and --data are required (see --help)');
  if (values.split !== undefined && values.split !== 'validation' && values.split !== 'all') return fail(`--split must be validation or all, got "${values.split}"`);
  const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
  if (threshold !== undefined && !(threshold >= 0 && threshold < 1)) return fail(`--threshold: invalid value "${values.threshold}"`);
  const mpp = values.mpp === undefined ? undefined : Number(values.mpp);
  if (mpp !== undefined && !(mpp > 0)) return fail(`--mpp: invalid value "${values.mpp}"`);
  try {
    // The engine is imported after the gradient hook (backend/gradients.ts): plain Node cannot
    // load tfjs-core's gradient registry that model.ts imports without it.
    await registerTrainingGradients();
    const { evaluateModel } = await import('../semimoe/predict');
    const result = await evaluateModel(resolve(values.model), resolve(values.data), {
      split: values.split as 'validation' | 'all' | undefined,
      threshold,
      imageMpp: mpp,
      backend: values.backend,
      onImage: (name, i, n) => process.stderr.write(`\r${i}/${n} ${name}\x1b[K`),
    });
    process.stderr.write('\r\x1b[K');
    process.stderr.write(`semimoe eval: backend ${result.backend}, ${result.split} split, ${result.perImage.length} images, threshold ${result.threshold}\n`);
    process.stderr.write(table(result.perImage, result.mean));
    if (values.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return 0;
  } catch (e) {
    return fail((e as Error).message);
  }
}

function table(rows: (ImageMetrics & { name: string })[], mean: MeanMetrics): string {
  const head = ['image', 'Dice', 'IoU', 'objF1', 'objDice', 'objHaus'];
  const line = (c: (string | number)[]) => c.map((v, i) => (typeof v === 'number' ? v.toFixed(i === 5 ? 1 : 3) : v).padStart(i === 0 ? 16 : 8)).join(' ') + '\n';
  let s = line(head);
  for (const r of rows) s += line([r.name, r.pixelDice, r.pixelIoU, r.objectF1, r.objectDice, r.objectHausdorff]);
  s += line(['mean', mean.pixelDice, mean.pixelIoU, mean.objectF1, mean.objectDice, mean.objectHausdorff]);
  return s;
}

function fail(message: string): number {
  return usageError('eval', message);
}
