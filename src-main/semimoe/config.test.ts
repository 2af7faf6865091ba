import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, gateHidden, makeConfig, validateConfig } from './config';

describe('config', () => {
  it('has a valid, frozen default that survives JSON', () => {
    expect(() => validateConfig(DEFAULT_CONFIG)).not.toThrow();
    expect(Object.isFrozen(DEFAULT_CONFIG)).toBe(true);
    expect(makeConfig(JSON.parse(JSON.stringify(DEFAULT_CONFIG)))).toEqual(DEFAULT_CONFIG);
    expect(gateHidden(makeConfig({ width: 8 }))).toBe(12);
  });

  it('rejects values the model cannot use', () => {
    expect(() => makeConfig({ inputSize: 100 })).toThrow(/multiple of 2\^depth/);
    expect(() => makeConfig({ width: 0 })).toThrow(/width/);
    expect(() => makeConfig({ dropout: 1 })).toThrow(/dropout/);
    expect(() => makeConfig({ lossForm: 'nope' as never })).toThrow(/lossForm/);
  });
});
