/**
 * The 'selftest' job kind: a few real training steps of the tiny U-Net on the chosen backend,
 * optionally followed by an atomic write of a model directory. It proves the trainer process
 * end to end (backend, kernels, gradients, progress, cancel, checkpoint) in seconds, and the
 * trainer's tests drive it (stepDelayMs and writeDelayMs widen the windows they cancel or
 * kill in).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, isBackendPreference, type BackendPreference } from '../semimoe/backend/select';
import { createTinyUNet, tinyBatch, tinyTrainStep, type TinyUNet } from '../semimoe/backend/tiny-unet';
import { writeDirAtomic } from './atomic-write';
import { registerJobRunner, type JobContext } from './jobs';
import type { TrainJob } from './protocol';

export interface SelftestParams {
  steps: number;
  backend: BackendPreference;
  batch: number;
  /** Side of the square input tiles (divisible by 2). */
  size: number;
  width: number;
  seed: number;
  /** Pause after each step (ms); also where a cancel is noticed. */
  stepDelayMs: number;
  /** Extra synchronous work per step (ms): stands in for a long training step, during which
   *  the process cannot even read a cancel request. */
  blockMs: number;
  /** If set, the trained weights are written here atomically at the end. */
  outDir?: string;
  /** Pause between the files of that write (ms). */
  writeDelayMs: number;
}

export interface SelftestResult {
  steps: number;
  losses: number[];
  backend: string;
  cancelled: boolean;
  outDir: string | null;
}

/** The file that marks a selftest model directory complete: it lists every other file. */
export const SELFTEST_MANIFEST = 'manifest.json';

export function parseSelftestParams(raw: unknown): SelftestParams {
  const p = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const int = (key: string, fallback: number, min: number) => {
    const value = p[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new Error(`selftest: ${key} must be an integer >= ${min}`);
    return value;
  };
  const backend = p.backend ?? 'auto';
  if (!isBackendPreference(backend)) throw new Error(`selftest: unknown backend ${JSON.stringify(backend)}`);
  if (p.outDir !== undefined && typeof p.outDir !== 'string') throw new Error('selftest: outDir must be a string');
  const size = int('size', 16, 2);
  if (size % 2 !== 0) throw new Error('selftest: size must be even');
  return {
    steps: int('steps', 3, 0),
    backend,
    batch: int('batch', 2, 1),
    size,
    width: int('width', 4, 1),
    seed: int('seed', 1, 0),
    stepDelayMs: int('stepDelayMs', 0, 0),
    blockMs: int('blockMs', 0, 0),
    outDir: p.outDir as string | undefined,
    writeDelayMs: int('writeDelayMs', 0, 0),
  };
}

async function writeModel(dir: string, model: TinyUNet, step: number, delayMs: number, ctx: JobContext): Promise<void> {
  await writeDirAtomic(dir, async (tmp) => {
    ctx.log('writing model directory');
    const files: string[] = [];
    for (const [i, variable] of model.variables.entries()) {
      const name = `weights-${i}.bin`;
      const values = variable.dataSync() as Float32Array;
      await writeFile(path.join(tmp, name), new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
      files.push(name);
      if (delayMs > 0) await sleep(delayMs);
    }
    // Written last: a directory with a manifest naming every file is a complete one.
    await writeFile(path.join(tmp, SELFTEST_MANIFEST), JSON.stringify({ step, files }));
  });
}

/** Busy-waits, as a long synchronous training step would: no message gets in meanwhile. */
function blockFor(ms: number): void {
  for (const until = performance.now() + ms; performance.now() < until; );
}

export async function runSelftestJob(job: TrainJob, ctx: JobContext): Promise<SelftestResult> {
  const params = parseSelftestParams(job.params);
  const choice = await initBackend(params.backend);
  const passedOver = choice.attempts.filter((a) => !a.ok).map((a) => `${a.id} (${a.reason})`);
  ctx.log(`backend: ${choice.detail}${passedOver.length > 0 ? `; passed over ${passedOver.join(', ')}` : ''}`);

  if (ctx.cancelled()) return { steps: 0, losses: [], backend: choice.detail, cancelled: true, outDir: null };
  const model = createTinyUNet({ width: params.width, depth: 1, inChannels: 3, seed: params.seed });
  const optimizer = tf.train.momentum(0.05, 0.9);
  const { x, mask } = tinyBatch(params.batch, params.size, 3, params.seed);
  const losses: number[] = [];
  const started = performance.now();
  try {
    while (losses.length < params.steps && !ctx.cancelled()) {
      losses.push(tinyTrainStep(model, optimizer, x, mask));
      blockFor(params.blockMs);
      const step = losses.length;
      const seconds = (performance.now() - started) / 1000;
      ctx.progress({
        step,
        totalSteps: params.steps,
        epoch: step / params.steps,
        losses: { total: losses[step - 1] },
        weights: {},
        imagesPerSecond: (step * params.batch) / seconds,
        etaSeconds: ((params.steps - step) * seconds) / step,
        backend: choice.detail,
      });
      // Yield to the event loop even without a delay, so a 'cancel' message gets in.
      await sleep(params.stepDelayMs);
    }
    const cancelled = ctx.cancelled();
    if (params.outDir && !cancelled) {
      await writeModel(params.outDir, model, losses.length, params.writeDelayMs, ctx);
      ctx.checkpoint(params.outDir, losses.length);
    }
    return { steps: losses.length, losses, backend: choice.detail, cancelled, outDir: params.outDir && !cancelled ? params.outDir : null };
  } finally {
    model.dispose();
    optimizer.dispose();
    tf.dispose([x, mask]);
  }
}

registerJobRunner('selftest', runSelftestJob);
