import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BACKEND_CANDIDATES, type BackendCandidate } from './candidates';
import { MissingKernelsError } from './kernel-check';
import { activeBackend, describeBackend, initBackend } from './select';

const real = (id: string) => BACKEND_CANDIDATES.find((c) => c.id === id)!;
const failing = (id: BackendCandidate['id'], message: string): BackendCandidate => ({
  id,
  load: () => Promise.reject(new Error(`${message}\nsecond line of detail`)),
});

describe('initBackend', () => {
  it('takes the first candidate that starts and records why the faster ones did not', async () => {
    const choice = await initBackend('auto', {
      candidates: [failing('tensorflow-gpu', 'no CUDA here'), failing('tensorflow', 'no libtensorflow'), real('wasm'), real('cpu')],
    });
    expect(choice.name).toBe('wasm');
    expect(choice.attempts).toEqual([
      { id: 'tensorflow-gpu', ok: false, reason: 'no CUDA here' },
      { id: 'tensorflow', ok: false, reason: 'no libtensorflow' },
      { id: 'wasm', ok: true },
    ]);
    expect(tf.getBackend()).toBe('wasm');
    expect(describeBackend()).toMatch(/^wasm \((no )?SIMD, \d+ threads?\)$/);
  });

  it('falls back from wasm to the plain CPU backend', async () => {
    const choice = await initBackend('wasm', { candidates: [real('tensorflow'), failing('wasm', 'wasm binary unreadable'), real('cpu')] });
    expect(choice.name).toBe('cpu');
    expect(choice.attempts).toEqual([{ id: 'wasm', ok: false, reason: 'wasm binary unreadable' }, { id: 'cpu', ok: true }]);
    expect(describeBackend()).toBe('cpu (plain JavaScript, 1 thread)');
  });

  it('on this machine, says why tfjs-node was passed over when it was', async () => {
    const choice = await initBackend('auto');
    expect(activeBackend()).toBe(choice);
    if (choice.name !== 'tensorflow') {
      const passedOver = choice.attempts.filter((a) => !a.ok).map((a) => a.id);
      expect(passedOver).toEqual(['tensorflow-gpu', 'tensorflow']);
      for (const attempt of choice.attempts.slice(0, 2)) expect(attempt.reason).toMatch(/tfjs-node/);
    }
    // A second call with the same preference returns the same choice without re-initialising.
    expect(await initBackend('auto')).toBe(choice);
  });

  it('refuses an unknown preference and reports when nothing starts', async () => {
    await expect(initBackend('webgpu' as never)).rejects.toThrow(/unknown backend 'webgpu'/);
    await expect(initBackend('auto', { candidates: [failing('wasm', 'broken'), failing('cpu', 'also broken')] })).rejects.toThrow(
      'no tfjs backend could start: wasm: broken; cpu: also broken',
    );
  });

  it('throws naming the kernels training needs that the chosen backend lacks', async () => {
    const error = await initBackend('cpu', { candidates: [real('cpu')], requiredKernels: ['Conv2D', 'NoSuchKernel'] }).catch((e) => e);
    expect(error).toBeInstanceOf(MissingKernelsError);
    expect(error.message).toBe("backend 'cpu' cannot train: missing kernels NoSuchKernel");
  });
});
