/**
 * Magnification as a pathologist means it, relative to the slide's scanning objective: on a
 * slide scanned at 40x, "40x" shows one slide pixel per screen pixel, "10x" one screen pixel per
 * four slide pixels. OpenSeadragon's "image zoom" is exactly that ratio (screen CSS pixels per
 * level-0 pixel), so the conversion is one division. Screen pixels are CSS pixels: on a HiDPI
 * display "40x" shows each slide pixel as one CSS pixel, as QuPath and the vendors' viewers do.
 */

/** The buttons the toolbar offers, with their keyboard shortcuts. */
export const MAGNIFICATION_PRESETS = [
  { magnification: 5, key: '1' },
  { magnification: 10, key: '2' },
  { magnification: 20, key: '3' },
  { magnification: 40, key: '4' },
] as const;

function validObjective(objectivePower: number | null | undefined): objectivePower is number {
  return typeof objectivePower === 'number' && Number.isFinite(objectivePower) && objectivePower > 0;
}

/** OpenSeadragon image zoom (screen px per level-0 px) that shows the slide at `magnification`. */
export function imageZoomForMagnification(magnification: number, objectivePower: number): number {
  if (!validObjective(objectivePower)) throw new RangeError('objective power must be a positive number');
  if (!(magnification > 0)) throw new RangeError('magnification must be positive');
  return magnification / objectivePower;
}

/** The magnification an image zoom shows, or null when the slide's objective is unknown. */
export function magnificationForImageZoom(imageZoom: number, objectivePower: number | null | undefined): number | null {
  if (!validObjective(objectivePower) || !(imageZoom > 0)) return null;
  return imageZoom * objectivePower;
}

export interface MagnificationAvailability {
  enabled: boolean;
  /** Why the button is disabled (a tooltip); for an enabled one, what it does. */
  reason: string;
}

/**
 * Whether a preset makes sense on this slide. Magnifying past the scan would only enlarge
 * pixels, so presets above the slide's objective are disabled, and all are when the slide does
 * not say its objective.
 */
export function magnificationAvailability(
  magnification: number,
  objectivePower: number | null | undefined,
  hasSlide = true,
): MagnificationAvailability {
  if (!hasSlide) return { enabled: false, reason: 'Open a slide first' };
  if (!validObjective(objectivePower)) {
    return { enabled: false, reason: 'Magnification unknown: the slide does not record its objective power' };
  }
  // A small tolerance: scanners write 40 as 40.0 or 39.99.
  if (magnification > objectivePower * 1.001) {
    return { enabled: false, reason: `The slide was scanned at ${formatMagnification(objectivePower)}: ${formatMagnification(magnification)} would only enlarge pixels` };
  }
  return { enabled: true, reason: `Show the slide at ${formatMagnification(magnification)}` };
}

/** "20x", "2.5x", "0.63x": what a pathologist reads on a microscope. */
export function formatMagnification(magnification: number): string {
  if (magnification >= 10) return `${Math.round(magnification)}x`;
  if (magnification >= 1) return `${Number(magnification.toFixed(1))}x`;
  return `${Number(magnification.toPrecision(2))}x`;
}
