/**
 * Prediction throughput: model windows (tiles) per second on the backend at hand and on the
 * plain CPU backend, on the same tiles of the sample slide in the same run, with the ratio;
 * then one whole region through predictRegion (read + windows + instances + polygons) on the
 * backend at hand. The machine is shared and timings vary run to run, hence both backends
 * side by side, every time.
 *
 *   npx tsx bench/predict.ts [--backend auto|wasm|tensorflow|...] [--tiles N] [--cpu-tiles K]
 *
 * Tiles are inference windows as predictRegion runs them: inferenceTile(config) pixels square
 * (256 for the starter model) at the model's resolution, read from the sample slide at seeded
 * positions, batch 2 (predictRegion's default). Each backend gets one warm-up batch first
 * (kernel compilation, V8 tier-up), then the median batch time counts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { predictRegion } from '../src-main/inference/predict-region';
import { readRegionAtMpp } from '../src-main/inference/region';
import { normaliseRgb } from '../src-main/semimoe/data';
import { inferenceTile, loadPredictor, type Predictor } from '../src-main/semimoe/predict';
import { openSlide } from '../src-main/slides/registry';
import { generateSampleSlide } from '../src-main/slides/sample';
import { seededRandom } from '../src-main/slides/sample/random';
import type { SlideSource } from '../src-main/slides/types';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MODEL = join(root, 'resources', 'models', 'starter');
const BATCH = 2;

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'auto' },
    tiles: { type: 'string', default: '16' },
    'cpu-tiles': { type: 'string', default: '4' },
  },
});
const tileCount = Math.max(BATCH, Number(values.tiles));
const cpuTileCount = Math.max(BATCH, Number(values['cpu-tiles']));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Normalised input batches of `size`-px tiles at seeded positions of the slide. */
async function readTiles(slide: SlideSource, p: Predictor, count: number): Promise<Float32Array[]> {
  const size = inferenceTile(p.config);
  const mpp = slide.metadata.mpp![0];
  const side = Math.ceil((size * p.config.mpp) / mpp); // level-0 pixels per tile
  const random = seededRandom(7);
  const batches: Float32Array[] = [];
  for (let b = 0; b < count / BATCH; b++) {
    const input = new Float32Array(BATCH * size * size * 3);
    for (let k = 0; k < BATCH; k++) {
      const x = Math.floor(random() * (slide.metadata.width - side));
      const y = Math.floor(random() * (slide.metadata.height - side));
      const img = await readRegionAtMpp(slide, { x, y, width: side, height: side }, p.config.mpp);
      // Rounding can give size +- 1: crop or repeat the last row/column.
      const rgb = new Uint8Array(size * size * 3);
      for (let yy = 0; yy < size; yy++) for (let xx = 0; xx < size; xx++) for (let c = 0; c < 3; c++) rgb[(yy * size + xx) * 3 + c] = img.rgb[(Math.min(yy, img.height - 1) * img.width + Math.min(xx, img.width - 1)) * 3 + c];
      normaliseRgb(rgb, p.config, input, k * size * size * 3);
    }
    batches.push(input);
  }
  return batches;
}

/** Median seconds per batch over `batches` after one warm-up batch. */
function timeBatches(p: Predictor, batches: Float32Array[]): number {
  const size = inferenceTile(p.config);
  const forward = p.forwardWithGates ?? p.forward;
  const run = (data: Float32Array) => {
    const x = tf.tensor4d(data, [BATCH, size, size, 3]);
    const out = forward(x);
    // Reading the outputs back is part of the cost (it waits for the backend).
    for (const t of Object.values(out) as tf.Tensor[]) t.dataSync();
    tf.dispose([x, ...(Object.values(out) as tf.Tensor[])]);
  };
  run(batches[0]);
  const times: number[] = [];
  for (const b of batches) {
    const t0 = performance.now();
    run(b);
    times.push((performance.now() - t0) / 1000);
  }
  return median(times);
}

async function main(): Promise<void> {
  const sample = await generateSampleSlide(join(root, 'resources', 'sample'));
  const slide = await openSlide(sample.slidePath);
  const fast = await loadPredictor(MODEL, values.backend);
  console.log(`backend at hand: ${fast.backend}; model ${fast.card?.name ?? MODEL}, tile ${inferenceTile(fast.config)} px at ${fast.config.mpp} um/px, batch ${BATCH}`);
  const batches = await readTiles(slide, fast, tileCount);
  const fastSec = timeBatches(fast, batches);
  const fastOnCpuTiles = timeBatches(fast, batches.slice(0, cpuTileCount / BATCH));
  fast.dispose();

  const cpu = await loadPredictor(MODEL, 'cpu');
  const cpuSec = timeBatches(cpu, batches.slice(0, cpuTileCount / BATCH));
  cpu.dispose();
  const line = (label: string, sec: number) => `${label.padEnd(34)} ${(sec * 1000).toFixed(0).padStart(7)} ms/batch  ${(BATCH / sec).toFixed(2).padStart(7)} tiles/s`;
  console.log(line(`${fast.backend}, ${batches.length * BATCH} tiles`, fastSec));
  console.log(line(`${fast.backend}, first ${cpuTileCount} tiles`, fastOnCpuTiles));
  console.log(line(`${cpu.backend}, same ${cpuTileCount} tiles`, cpuSec));
  console.log(`ratio cpu / ${fast.backend.split(' ')[0]} on the same tiles: ${(cpuSec / fastOnCpuTiles).toFixed(1)}x`);

  // End to end on the backend at hand: a 1 mm^2 region.
  const again = await loadPredictor(MODEL, values.backend);
  const side = Math.round(1000 / slide.metadata.mpp![0]);
  const t0 = performance.now();
  const r = await predictRegion(again, slide, { x: 1024, y: 768, width: side, height: side });
  const total = (performance.now() - t0) / 1000;
  again.dispose();
  console.log(
    `predictRegion 1 mm^2 (${side} x ${side} level-0 px): ${total.toFixed(1)} s, ${r.stats.windows} windows (${(r.stats.windows / total).toFixed(2)} windows/s end to end), ` +
      `read ${r.stats.seconds.read} s, windows ${r.stats.seconds.predict} s, instances+polygons ${r.stats.seconds.instances} s, ${r.stats.glandCount} glands`,
  );
  await slide.close();

  const outDir = join(root, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    join(outDir, 'predict.json'),
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        backend: fast.backend,
        tile: inferenceTile(fast.config),
        batch: BATCH,
        tilesPerSecond: { atHand: BATCH / fastSec, atHandOnCpuTiles: BATCH / fastOnCpuTiles, cpu: BATCH / cpuSec },
        ratioCpuVsAtHand: cpuSec / fastOnCpuTiles,
        region: { side, seconds: total, windows: r.stats.windows, stats: r.stats },
      },
      null,
      2,
    )}\n`,
  );
}

await main();
