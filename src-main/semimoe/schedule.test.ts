import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from './config';
import { learningRate, unsupWeight } from './schedule';

describe('schedules', () => {
  const c = { ...DEFAULT_CONFIG, lr: 0.4, warmupEpochs: 20, halveEvery: 50, epochs: 200 };

  it('warms up linearly, then halves every halveEvery epochs', () => {
    expect(learningRate(c, 0)).toBeCloseTo(0.02);
    expect(learningRate(c, 9)).toBeCloseTo(0.2);
    expect(learningRate(c, 19)).toBeCloseTo(0.4);
    expect(learningRate(c, 20)).toBeCloseTo(0.4);
    expect(learningRate(c, 69.9)).toBeCloseTo(0.4);
    expect(learningRate(c, 70)).toBeCloseTo(0.2);
    expect(learningRate(c, 170)).toBeCloseTo(0.05);
    expect(learningRate({ ...c, warmupEpochs: 0 }, 0)).toBeCloseTo(0.4);
  });

  it('ramps the unsupervised weight to unsupMax', () => {
    expect(unsupWeight(c, 0)).toBeCloseTo(0.5 / 200);
    expect(unsupWeight(c, 99)).toBeCloseTo(0.25);
    expect(unsupWeight(c, 199)).toBeCloseTo(0.5);
    expect(unsupWeight(c, 500)).toBeCloseTo(0.5);
  });
});
