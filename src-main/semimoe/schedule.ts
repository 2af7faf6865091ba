/**
 * Learning-rate and unsupervised-weight schedules: pure functions of the (possibly fractional)
 * epoch, so a run bounded by steps or time maps its progress p in [0, 1] to epoch p * epochs.
 */
import type { SemiMoeConfig } from './config';

type ScheduleConfig = Pick<SemiMoeConfig, 'lr' | 'warmupEpochs' | 'halveEvery'>;

/**
 * Linear warm-up to config.lr over the first `warmupEpochs` (factor (epoch + 1) / warmup, so
 * the first epoch already learns), then halved every `halveEvery` epochs.
 */
export function learningRate(config: ScheduleConfig, epoch: number): number {
  const { lr, warmupEpochs, halveEvery } = config;
  if (epoch < warmupEpochs) return lr * Math.min(1, (epoch + 1) / warmupEpochs);
  return lr * 0.5 ** Math.floor((epoch - warmupEpochs) / halveEvery);
}

/** Weight of the unsupervised term: unsupMax * (epoch + 1) / epochs (reference), capped at unsupMax. */
export function unsupWeight(config: Pick<SemiMoeConfig, 'unsupMax' | 'epochs'>, epoch: number): number {
  return config.unsupMax * Math.min(1, (epoch + 1) / config.epochs);
}
