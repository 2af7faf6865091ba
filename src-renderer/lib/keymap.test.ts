import { describe, expect, it } from 'vitest';
import { actionFor, HELP_ROWS, KEYMAP, RESERVED_CODES, type KeyLike } from './keymap';

const press = (key: string, mods: Partial<KeyLike> = {}): KeyLike => ({ key, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });

describe('keymap', () => {
  it('maps single keys and their Shift and Ctrl variants apart', () => {
    expect(actionFor(press('a'))).toBe('accept');
    expect(actionFor(press('A', { shiftKey: true }))).toBe('accept-field');
    expect(actionFor(press('n'))).toBe('next-field');
    expect(actionFor(press('N', { shiftKey: true }))).toBe('previous-field');
    expect(actionFor(press(']'))).toBe('next-field');
    expect(actionFor(press('['))).toBe('previous-field');
    expect(actionFor(press('z', { ctrlKey: true }))).toBe('undo');
    expect(actionFor(press('Z', { ctrlKey: true, shiftKey: true }))).toBe('redo');
    expect(actionFor(press('y', { ctrlKey: true }))).toBe('redo');
    expect(actionFor(press('z', { metaKey: true }))).toBe('undo');
    expect(actionFor(press('m'))).toBe('tool-move');
    expect(actionFor(press('m', { ctrlKey: true }))).toBe('merge');
    expect(actionFor(press('?', { shiftKey: true }))).toBe('help');
    expect(actionFor(press('Delete'))).toBe('delete');
    expect(actionFor(press('Escape'))).toBe('cancel');
  });

  it('leaves the app shell keys, Alt chords and unknown keys alone', () => {
    expect(actionFor(press('o'))).toBeNull();
    expect(actionFor(press('f'))).toBeNull();
    expect(actionFor(press('1'))).toBeNull();
    expect(actionFor(press('b', { altKey: true }))).toBeNull();
    expect(actionFor(press('q'))).toBeNull();
    expect(actionFor(press('a', { ctrlKey: true }))).toBeNull(); // select-all in text fields stays the browser's
  });

  it('binds no key twice and lists every action in the help', () => {
    const seen = new Set<string>();
    for (const b of KEYMAP) {
      const id = `${b.key}|${Boolean(b.ctrl)}|${b.anyShift ? '*' : Boolean(b.shift)}`;
      expect(seen.has(id), `duplicate binding ${id}`).toBe(false);
      seen.add(id);
    }
    const listed = new Set(HELP_ROWS.map((r) => r.action));
    for (const b of KEYMAP) expect(listed.has(b.action)).toBe(true);
    expect(RESERVED_CODES.has('KeyA')).toBe(true);
    expect(RESERVED_CODES.has('KeyQ')).toBe(false);
  });
});
