import { describe, expect, it } from 'vitest';
import { chooseScaleBar, formatLength, niceLengthAtMost } from './scale-bar';

describe('niceLengthAtMost', () => {
  it('picks 1, 2 or 5 times a power of ten, never above the limit', () => {
    expect(niceLengthAtMost(1)).toBe(1);
    expect(niceLengthAtMost(1.9)).toBe(1);
    expect(niceLengthAtMost(2)).toBe(2);
    expect(niceLengthAtMost(4.99)).toBe(2);
    expect(niceLengthAtMost(5)).toBe(5);
    expect(niceLengthAtMost(9.99)).toBe(5);
    expect(niceLengthAtMost(10)).toBe(10);
    expect(niceLengthAtMost(317)).toBe(200);
    expect(niceLengthAtMost(999)).toBe(500);
    expect(niceLengthAtMost(1000)).toBe(1000);
    expect(niceLengthAtMost(0.3)).toBe(0.2);
    expect(niceLengthAtMost(0.07)).toBe(0.05);
  });

  it('has no float noise in small values', () => {
    expect(String(niceLengthAtMost(0.25))).toBe('0.2');
    expect(String(niceLengthAtMost(0.0011))).toBe('0.001');
  });

  it('rejects nonsense', () => {
    expect(() => niceLengthAtMost(0)).toThrow(RangeError);
    expect(() => niceLengthAtMost(-1)).toThrow(RangeError);
    expect(() => niceLengthAtMost(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it('is monotonic and within a factor 2.5 of the limit', () => {
    let previous = 0;
    for (let limit = 0.01; limit < 1e6; limit *= 1.07) {
      const nice = niceLengthAtMost(limit);
      expect(nice).toBeLessThanOrEqual(limit * (1 + 1e-9));
      expect(nice).toBeGreaterThan(limit / 2.5 - 1e-12);
      expect(nice).toBeGreaterThanOrEqual(previous);
      previous = nice;
    }
  });
});

describe('chooseScaleBar', () => {
  it('at full resolution of a 0.5 µm/px slide, 160 px is 80 µm: a 50 µm bar of 100 px', () => {
    expect(chooseScaleBar(0.5, 1, 160)).toEqual({ micrometres: 50, widthPx: 100, label: '50 µm' });
  });

  it('zoomed out 10x, the same room holds 800 µm: a 500 µm bar', () => {
    const bar = chooseScaleBar(0.5, 0.1, 160);
    expect(bar?.micrometres).toBe(500);
    expect(bar?.widthPx).toBeCloseTo(100, 9);
    expect(bar?.label).toBe('500 µm');
  });

  it('switches to millimetres from 1000 µm', () => {
    expect(chooseScaleBar(0.25, 0.01, 160)?.label).toBe('2 mm');
    expect(formatLength(1000)).toBe('1 mm');
    expect(formatLength(1500)).toBe('1.5 mm');
    expect(formatLength(0.5)).toBe('0.5 µm');
  });

  it('the bar never exceeds the room and is at least 40% of it', () => {
    for (let zoom = 0.001; zoom < 8; zoom *= 1.13) {
      const bar = chooseScaleBar(0.2527, zoom, 150);
      expect(bar).not.toBeNull();
      expect(bar!.widthPx).toBeLessThanOrEqual(150 + 1e-9);
      expect(bar!.widthPx).toBeGreaterThanOrEqual(60 - 1e-9);
    }
  });

  it('is null when the scale is unknown', () => {
    expect(chooseScaleBar(null, 1)).toBeNull();
    expect(chooseScaleBar(undefined, 1)).toBeNull();
    expect(chooseScaleBar(0, 1)).toBeNull();
    expect(chooseScaleBar(0.5, 0)).toBeNull();
  });
});
