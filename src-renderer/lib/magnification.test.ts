import { describe, expect, it } from 'vitest';
import {
  formatMagnification,
  imageZoomForMagnification,
  magnificationAvailability,
  magnificationForImageZoom,
} from './magnification';

describe('magnification <-> image zoom', () => {
  it('shows one slide pixel per screen pixel at the objective power', () => {
    expect(imageZoomForMagnification(40, 40)).toBe(1);
    expect(imageZoomForMagnification(20, 20)).toBe(1);
  });

  it('scales down below the objective', () => {
    expect(imageZoomForMagnification(10, 40)).toBe(0.25);
    expect(imageZoomForMagnification(5, 20)).toBe(0.25);
    expect(imageZoomForMagnification(20, 40)).toBe(0.5);
  });

  it('round-trips', () => {
    for (const objective of [20, 40, 63]) {
      for (const m of [1.25, 5, 10, 20]) {
        expect(magnificationForImageZoom(imageZoomForMagnification(m, objective), objective)).toBeCloseTo(m, 12);
      }
    }
  });

  it('has no magnification when the objective is unknown', () => {
    expect(magnificationForImageZoom(0.5, null)).toBeNull();
    expect(magnificationForImageZoom(0.5, 0)).toBeNull();
    expect(magnificationForImageZoom(0, 40)).toBeNull();
    expect(() => imageZoomForMagnification(10, 0)).toThrow(RangeError);
    expect(() => imageZoomForMagnification(0, 40)).toThrow(RangeError);
  });
});

describe('magnificationAvailability', () => {
  it('enables presets up to the objective', () => {
    expect(magnificationAvailability(5, 20).enabled).toBe(true);
    expect(magnificationAvailability(20, 20).enabled).toBe(true);
    expect(magnificationAvailability(40, 39.99).enabled).toBe(true);
  });

  it('disables presets past the scan and says why', () => {
    const a = magnificationAvailability(40, 20);
    expect(a.enabled).toBe(false);
    expect(a.reason).toContain('20x');
  });

  it('disables everything when the objective is unknown, saying so', () => {
    const a = magnificationAvailability(5, null);
    expect(a.enabled).toBe(false);
    expect(a.reason).toMatch(/objective/i);
  });

  it('disables everything without a slide', () => {
    expect(magnificationAvailability(5, 40, false)).toEqual({ enabled: false, reason: 'Open a slide first' });
  });
});

describe('formatMagnification', () => {
  it('reads like a microscope', () => {
    expect(formatMagnification(40)).toBe('40x');
    expect(formatMagnification(19.6)).toBe('20x');
    expect(formatMagnification(2.5)).toBe('2.5x');
    expect(formatMagnification(5)).toBe('5x');
    expect(formatMagnification(0.625)).toBe('0.63x');
  });
});
