import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import sharp from 'sharp';
import { registerTrainingGradients } from '../semimoe/backend/gradients';
import { parseCommand, usageError } from './args';

const HELP = `Usage: semimoe predict --model MODEL_DIR --image IMG [--mask OUT.png] [--geojson OUT.geojson] [options]

Segments glands in an RGB image by sliding-window inference at the model's resolution.

  --model DIR        a trained model directory (model.json, weights.bin, model-card.json)
  --image IMG        any image sharp reads (PNG, JPEG, TIFF, BMP)
  --mask OUT.png     binary gland mask (0/255) at the image's size
  --geojson OUT      QuPath-style GeoJSON of gland polygons in image pixel coordinates
  --mpp M            the image's micrometres per pixel (default: the model's training data)
  --threshold T      fused-mask threshold (default: the one chosen on validation)
  --backend B        auto | tensorflow-gpu | tensorflow | wasm | cpu
  --json             print a summary as JSON on stdout
`;

export async function run(argv: string[]): Promise<number> {
  const values = parseCommand('predict', HELP, {
    args: argv,
    options: {
      model: { type: 'string' },
      image: { type: 'string' },
      mask: { type: 'string' },
      geojson: { type: 'string' },
      mpp: { type: 'string' },
      threshold: { type: 'string' },
      backend: { type: 'string', default: 'auto' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (typeof values === 'number') return values;
  if (!values.model || !values.image) return fail('--model and --image are required (see --help)');
  const mpp = values.mpp === undefined ? undefined : Number(values.mpp);
  if (mpp !== undefined && !(mpp > 0)) return fail(`--mpp: invalid value "${values.mpp}"`);
  const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
  if (threshold !== undefined && !(threshold >= 0 && threshold < 1)) return fail(`--threshold: invalid value "${values.threshold}"`);
  try {
    // The engine is imported after the gradient hook (backend/gradients.ts): plain Node cannot
    // load tfjs-core's gradient registry that model.ts imports without it.
    await registerTrainingGradients();
    const { loadPredictor, predictImageFile } = await import('../semimoe/predict');
    const predictor = await loadPredictor(resolve(values.model), values.backend);
    process.stderr.write(`semimoe predict: backend ${predictor.backend}\n`);
    try {
      const started = Date.now();
      const result = await predictImageFile(predictor, resolve(values.image), { imageMpp: mpp, threshold });
      if (values.mask) {
        const mask = result.maskAtImageSize();
        const png = await sharp(Buffer.from(mask.buffer, mask.byteOffset, mask.length), {
          raw: { width: result.width, height: result.height, channels: 1 },
        })
          .png()
          .toBuffer();
        await writeFile(values.mask, png);
      }
      if (values.geojson) await writeFile(values.geojson, JSON.stringify(result.geojson) + '\n');
      const summary = {
        image: resolve(values.image),
        width: result.width,
        height: result.height,
        glands: result.geojson.features.length,
        threshold: result.threshold,
        backend: predictor.backend,
        seconds: (Date.now() - started) / 1000,
        mask: values.mask ? resolve(values.mask) : null,
        geojson: values.geojson ? resolve(values.geojson) : null,
      };
      process.stderr.write(`semimoe predict: ${summary.glands} glands in ${summary.seconds.toFixed(1)} s\n`);
      if (values.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
      return 0;
    } finally {
      predictor.dispose();
    }
  } catch (e) {
    return fail((e as Error).message);
  }
}

function fail(message: string): number {
  return usageError('predict', message);
}
