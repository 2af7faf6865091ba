/**
 * The 'retrain' job kind of the trainer process (registered in trainer/jobs.ts): fine-tunes the
 * active model on a snapshot (fine-tune.ts) and reports progress in the trainer protocol.
 * Training progress carries losses and the learned objective weights; the evaluation stages
 * after it come as progress with details.stage, so the panel can say what is happening.
 */
import { registerTrainingGradients } from '../semimoe/backend/gradients';
import { registerJobRunner, type JobContext } from '../trainer/jobs';
import type { TrainJob } from '../trainer/protocol';
import { toProgressUpdate } from '../trainer/train-job';
import { parseRetrainJobParams } from './retrain-params';

export async function runRetrainJob(job: TrainJob, ctx: JobContext): Promise<unknown> {
  const params = parseRetrainJobParams(job.params);
  // tfjs' gradients must be registered before the training code is loaded (backend/gradients.ts).
  await registerTrainingGradients();
  const { fineTune } = await import('./fine-tune');
  let last = { step: 0, backend: '' };
  return fineTune(params, {
    signal: ctx.signal,
    progress: (p) => {
      last = { step: p.step, backend: p.backend };
      ctx.progress(toProgressUpdate({ ...p, etaSeconds: p.etaSeconds !== null && Number.isFinite(p.etaSeconds) ? p.etaSeconds : null }));
    },
    stage: (stage) =>
      ctx.progress({
        step: last.step,
        totalSteps: null,
        epoch: null,
        losses: {},
        weights: {},
        imagesPerSecond: 0,
        etaSeconds: null,
        backend: last.backend,
        details: { stage },
      }),
  });
}

registerJobRunner('retrain', runRetrainJob);
