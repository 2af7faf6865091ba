/**
 * The 'train' job kind: runs src-main/semimoe/jobs/train-job.ts (Semi-MoE training) and maps
 * its progress onto the trainer protocol (its learned loss weights become `weights`; learning
 * rate, ramp and validation go in `details`).
 */
import { runTrainJob, type TrainJobProgress } from '../semimoe/jobs/train-job';
import { registerJobRunner, type JobContext } from './jobs';
import type { ProgressUpdate, TrainJob } from './protocol';

export function toProgressUpdate(p: TrainJobProgress): ProgressUpdate {
  return {
    step: p.step,
    totalSteps: p.totalSteps,
    epoch: null,
    losses: p.losses,
    weights: p.lossWeights,
    imagesPerSecond: p.imagesPerSecond,
    etaSeconds: p.etaSeconds,
    backend: p.backend,
    details: { lr: p.lr, rampWeight: p.rampWeight, elapsedSeconds: p.elapsedSeconds, validation: p.validation },
  };
}

export async function runTrainJobInTrainer(job: TrainJob, ctx: JobContext): Promise<unknown> {
  return runTrainJob(job.params, {
    signal: ctx.signal,
    progress: (p) => ctx.progress(toProgressUpdate(p)),
    checkpoint: (info) => ctx.checkpoint(info.outDir, info.step),
  });
}

registerJobRunner('train', runTrainJobInTrainer);
