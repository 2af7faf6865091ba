/**
 * Training-step benchmark: the same training steps on the WebAssembly backend and on the
 * plain CPU backend in one run, with the ratio. The machine is shared and timings vary run to
 * run, which is why both backends are measured here, side by side, every time.
 *
 *   npx tsx bench/train-step.ts          tiny U-Net, Semi-MoE at a 16 px tile, conv kernels (~1.5 min)
 *   npx tsx bench/train-step.ts --full   also the Semi-MoE default config on the CPU backend (~25 min:
 *                                        one step there is measured at about 80 s per 32 px)
 *
 * The Semi-MoE line at the default config also times the wasm backend with its shipped kernels
 * (ours only where it has none or a wrong one), interleaved with ours, to show what the
 * replacements in src-main/semimoe/backend/wasm-kernels are worth.
 *
 * Each timing is the median of its measured steps, after warm-up steps (XNNPACK operator
 * creation and V8's tier-up of the wasm code make the first ones slower).
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src-main/semimoe/backend/select';
import { createTinyUNet, tinyBatch, tinyTrainStep } from '../src-main/semimoe/backend/tiny-unet';

type BackendName = 'wasm' | 'cpu';

interface Timing {
  msPerStep: number;
  imagesPerSecond: number;
}

/** Kernels we replace on wasm for speed only; the shipped ones stay usable for comparison. */
const SPEED_ONLY_KERNELS = ['Conv2DBackpropInput', 'Tile', 'Concat', 'SplitV'];

const full = process.argv.includes('--full');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function timeSteps(step: () => void, imagesPerStep: number, warmup: number, measured: number): Timing {
  for (let i = 0; i < warmup; i++) step();
  const ms: number[] = [];
  for (let i = 0; i < measured; i++) {
    const start = performance.now();
    step();
    ms.push(performance.now() - start);
  }
  const msPerStep = median(ms);
  return { msPerStep, imagesPerSecond: (imagesPerStep * 1000) / msPerStep };
}

function report(label: string, timings: Partial<Record<BackendName, Timing>>): void {
  const { wasm, cpu } = timings;
  const cell = (t?: Timing) => (t ? `${t.msPerStep.toFixed(0).padStart(7)} ms/step ${t.imagesPerSecond.toFixed(2).padStart(7)} img/s` : '  (not run)'.padEnd(31));
  const ratio = wasm && cpu ? `  cpu/wasm ${(cpu.msPerStep / wasm.msPerStep).toFixed(1)}x` : '';
  console.log(`${label.padEnd(44)} wasm ${cell(wasm)} | cpu ${cell(cpu)}${ratio}`);
}

/** Tiny U-Net (tiny-unet.ts): conv+BN+ReLU blocks, max-pool, nearest x2, skip concat, two heads. */
async function tinyUNetStep(backend: BackendName, batch: number, size: number, width: number, depth: number, steps: number): Promise<Timing> {
  // Warm-up: two steps on wasm (tier-up, operator caches), one on the slow CPU backend.
  await initBackend(backend);
  const model = createTinyUNet({ width, depth, inChannels: 3, seed: 1 });
  const optimizer = tf.train.momentum(0.05, 0.9);
  const { x, mask } = tinyBatch(batch, size, 3, 2);
  const timing = timeSteps(() => tinyTrainStep(model, optimizer, x, mask), batch, backend === 'wasm' ? 2 : 1, steps);
  model.dispose();
  optimizer.dispose();
  tf.dispose([x, mask]);
  return timing;
}

/**
 * A real Semi-MoE step (src-main/semimoe: three U-Net experts, gates, adaptive loss, labelled +
 * unlabelled batch) on synthetic tiles. Throws if that code does not load.
 */
async function semiMoeStep(
  backend: BackendName,
  overrides: Record<string, number>,
  warmup: number,
  steps: number,
  shipped?: tf.KernelConfig[],
): Promise<{ ours: Timing; shipped?: Timing }> {
  await initBackend(backend);
  const { makeConfig } = await import('../src-main/semimoe/config');
  const { SemiMoeModel } = await import('../src-main/semimoe/model');
  const { createTrainer } = await import('../src-main/semimoe/step');
  const config = makeConfig(overrides);
  const model = new SemiMoeModel(config);
  const trainer = createTrainer(model, config);
  const [size, nl, nu] = [config.inputSize, config.batchLabelled, config.batchUnlabelled];
  const batch = tf.tidy(() => {
    const images = tf.randomNormal([nl, size, size, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const masks = tf.cast(tf.greater(tf.mean(images, 3, true), 0), 'float32') as tf.Tensor4D;
    return {
      labelled: { images, masks, sdf: tf.sub(tf.mul(masks, 1.6), 0.8) as tf.Tensor4D, bnd: tf.zerosLike(masks) as tf.Tensor4D },
      unlabelled: {
        images: tf.randomNormal([nu, size, size, 3], 0, 1, 'float32', 4) as tf.Tensor4D,
        // The weak-strong view (the default) trains the experts on a perturbed copy and adds the
        // teacher's inference pass; any second tensor of the same shape costs the same.
        ...(config.pseudoLabelView === 'weak-strong' ? { studentImages: tf.randomNormal([nu, size, size, 3], 0, 1, 'float32', 5) as tf.Tensor4D } : {}),
      },
    };
  });
  const step = () => void trainer.step(batch.labelled, batch.unlabelled, 0.5, config.lr);
  const ours = timeSteps(step, nl + nu, warmup, steps);
  let shippedTiming: Timing | undefined;
  if (shipped) {
    const mine = shipped.map((config) => tf.getKernel(config.kernelName, 'wasm')!);
    swapKernels(shipped);
    shippedTiming = timeSteps(step, nl + nu, warmup, steps);
    swapKernels(mine);
  }
  trainer.dispose();
  model.dispose();
  tf.dispose(batch);
  return { ours, shipped: shippedTiming };
}

function swapKernels(configs: tf.KernelConfig[]): void {
  for (const config of configs) {
    tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
  }
}

/** The conv gradients alone on the shape DESIGN.md measured (4x128x128x32 -> 32, 3x3), wasm. */
async function convKernels(originalInputGrad: tf.KernelConfig | undefined): Promise<void> {
  await initBackend('wasm');
  const x = tf.randomNormal([4, 128, 128, 32]) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 32, 32]) as tf.Tensor4D;
  const dy = tf.randomNormal([4, 128, 128, 32]) as tf.Tensor4D;
  const time = (run: () => tf.TensorInfo) => {
    const ms: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      const out = run();
      tf.backend().readSync(out.dataId);
      ms.push(performance.now() - start);
      tf.backend().disposeData(out.dataId);
    }
    return median(ms.slice(1)).toFixed(0).padStart(5);
  };
  const engine = tf.engine();
  const backend = tf.backend();
  const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC' } as const;
  const forward = time(() => engine.runKernel('Conv2D', { x, filter: w }, { ...attrs, dilations: 1 }) as tf.Tensor);
  const filterGrad = time(() => engine.runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: [3, 3, 32, 32] }) as tf.Tensor);
  const inputGrad = time(() => engine.runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: [4, 128, 128, 32] }) as tf.Tensor);
  const shipped = originalInputGrad
    ? time(() => originalInputGrad.kernelFunc({ inputs: { dy, filter: w }, backend, attrs: { ...attrs, inputShape: [4, 128, 128, 32] } }) as tf.TensorInfo)
    : '  n/a';
  console.log(`conv 4x128x128x32 -> 32 3x3 on wasm (ms): forward ${forward} | filter grad (ours) ${filterGrad} | input grad (ours) ${inputGrad}, (shipped) ${shipped}`);
  tf.dispose([x, w, dy]);
}

async function main(): Promise<void> {
  // Keep the wasm backend's own kernels for comparison before ours replace them (ours keep
  // their setup, so they stay callable).
  await import('@tensorflow/tfjs-backend-wasm');
  const shipped = SPEED_ONLY_KERNELS.map((name) => tf.getKernel(name, 'wasm')).filter((k): k is tf.KernelConfig => k !== undefined);
  const shippedInputGrad = shipped.find((k) => k.kernelName === 'Conv2DBackpropInput');
  const choice = await initBackend('wasm');
  console.log(`backends: ${choice.detail} vs ${(await initBackend('cpu')).detail}; node ${process.version}, ${(await import('node:os')).cpus().length} cores`);

  const tiny = { batch: 2, size: 32, width: 8, depth: 2 };
  report(`tiny U-Net w${tiny.width} d${tiny.depth}, ${tiny.batch}x${tiny.size}px`, {
    wasm: await tinyUNetStep('wasm', tiny.batch, tiny.size, tiny.width, tiny.depth, 5),
    cpu: await tinyUNetStep('cpu', tiny.batch, tiny.size, tiny.width, tiny.depth, 1),
  });

  try {
    // The smallest tile depth 4 allows: the same layers and kernels, a CPU step in seconds.
    const small = { inputSize: 16 };
    report('Semi-MoE default config at 16px, 2+2 tiles', {
      wasm: (await semiMoeStep('wasm', small, 1, 3)).ours,
      cpu: (await semiMoeStep('cpu', small, 0, 1)).ours,
    });
    const defaults = await semiMoeStep('wasm', {}, 1, 2, shipped);
    report('Semi-MoE default config (128px), 2+2 tiles', {
      wasm: defaults.ours,
      cpu: full ? (await semiMoeStep('cpu', {}, 0, 1)).ours : undefined,
    });
    if (defaults.shipped) {
      const ratio = defaults.shipped.msPerStep / defaults.ours.msPerStep;
      console.log(`  same on wasm with its shipped ${SPEED_ONLY_KERNELS.join('/')}: ${defaults.shipped.msPerStep.toFixed(0)} ms/step (ours ${ratio.toFixed(1)}x faster)`);
    }
  } catch (error) {
    console.log(`Semi-MoE model: skipped (${(error as Error).message.split('\n')[0]})`);
  }

  await convKernels(shippedInputGrad);
}

await main();
