import { describe, expect, it } from 'vitest';
import { parseChildMessage, parseParentMessage, ProtocolError } from './protocol';

describe('trainer protocol', () => {
  it('accepts well-formed messages both ways', () => {
    expect(parseParentMessage({ type: 'start', job: { kind: 'selftest', params: { steps: 1 } } })).toEqual({
      type: 'start',
      job: { kind: 'selftest', id: undefined, params: { steps: 1 } },
    });
    expect(parseParentMessage({ type: 'cancel' })).toEqual({ type: 'cancel' });
    const progress = {
      type: 'progress',
      step: 3,
      totalSteps: null,
      epoch: 0.5,
      losses: { total: 0.7, nan: null },
      weights: { s1: 1.2 },
      imagesPerSecond: 4,
      etaSeconds: null,
      backend: 'wasm (SIMD, 1 thread)',
    };
    expect(parseChildMessage(progress)).toEqual(progress);
    expect(parseChildMessage({ type: 'checkpoint', path: '/m', step: 2 })).toEqual({ type: 'checkpoint', path: '/m', step: 2 });
  });

  it('rejects malformed ones with a ProtocolError', () => {
    expect(() => parseParentMessage({ type: 'start', job: { kind: '' } })).toThrow(ProtocolError);
    expect(() => parseParentMessage({ type: 'launch' })).toThrow(/invalid parent message/);
    expect(() => parseChildMessage({ type: 'progress', step: '3' })).toThrow(/invalid progress message/);
    expect(() => parseChildMessage({ type: 'error' })).toThrow(/invalid error message/);
    expect(() => parseChildMessage(null)).toThrow(ProtocolError);
  });
});
