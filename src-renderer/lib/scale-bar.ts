/**
 * The scale bar: the longest "nice" length (1, 2 or 5 times a power of ten micrometres) that
 * fits in the room given, and its width on screen.
 */

export interface ScaleBar {
  /** Length the bar stands for, in micrometres. */
  micrometres: number;
  /** Its width on screen, in CSS pixels. */
  widthPx: number;
  /** "200 µm", "1 mm", "0.5 µm". */
  label: string;
}

const NICE_STEPS = [1, 2, 5] as const;

/** The largest 1/2/5 x 10^k not greater than `limit` (limit > 0). */
export function niceLengthAtMost(limit: number): number {
  if (!(limit > 0) || !Number.isFinite(limit)) throw new RangeError('limit must be a positive finite number');
  const exponent = Math.floor(Math.log10(limit));
  let best = 0;
  // Look one decade below too, so rounding in log10 never skips the right answer.
  for (let e = exponent - 1; e <= exponent + 1; e++) {
    for (const step of NICE_STEPS) {
      // Build the value from a decimal string so 10^-k has no binary rounding noise (0.2 not 0.20000000000000004).
      const value = Number(`${step}e${e}`);
      if (value <= limit * (1 + 1e-12) && value > best) best = value;
    }
  }
  return best;
}

export function formatLength(micrometres: number): string {
  if (micrometres >= 1000) return `${Number((micrometres / 1000).toPrecision(3))} mm`;
  return `${Number(micrometres.toPrecision(3))} µm`;
}

/**
 * @param micrometresPerPixel level-0 resolution of the slide (its horizontal mpp)
 * @param imageZoom screen CSS pixels per level-0 pixel (OpenSeadragon's image zoom)
 * @param maxWidthPx the most room the bar may take
 * @returns null when the scale is unknown or the inputs make no sense
 */
export function chooseScaleBar(micrometresPerPixel: number | null | undefined, imageZoom: number, maxWidthPx = 160): ScaleBar | null {
  if (micrometresPerPixel == null || !(micrometresPerPixel > 0) || !(imageZoom > 0) || !(maxWidthPx > 0)) return null;
  const micrometresPerScreenPixel = micrometresPerPixel / imageZoom;
  const micrometres = niceLengthAtMost(maxWidthPx * micrometresPerScreenPixel);
  return { micrometres, widthPx: micrometres / micrometresPerScreenPixel, label: formatLength(micrometres) };
}
