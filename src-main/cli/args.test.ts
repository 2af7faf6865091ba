import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseCommand } from './args';

const options = { model: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } } as const;

describe('parseCommand', () => {
  afterEach(() => vi.restoreAllMocks());

  it('returns the parsed values', () => {
    expect(parseCommand('x', 'HELP', { args: ['--model', 'm', '--json'], options })).toEqual({ model: 'm', json: true, help: false });
  });

  it('prints the help and ends with 0 on --help', () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(parseCommand('x', 'HELP TEXT', { args: ['--help'], options })).toBe(0);
    expect(out).toHaveBeenCalledWith('HELP TEXT');
  });

  it('turns an unknown option into a usage error (stderr, exit 2) naming the command', () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(parseCommand('train', 'HELP', { args: ['--bogus'], options })).toBe(2);
    expect(String(err.mock.calls[0][0])).toMatch(/^semimoe train: .*--bogus/);
  });
});
