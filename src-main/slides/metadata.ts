/** Helpers that turn what a file says about itself into SlideMetadata fields. */
import type { SlideLevelInfo } from './types';

/**
 * Levels with OpenSlide's downsample rule: the mean of the width and height ratios to level 0,
 * so a level of 574 x 768 under 2220 x 2967 has downsample 3.8654..., not a rounded 4.
 */
export function levelsFromSizes(sizes: { width: number; height: number }[]): SlideLevelInfo[] {
  const [base] = sizes;
  return sizes.map(({ width, height }, i) => ({
    width,
    height,
    downsample: i === 0 ? 1 : (base.width / width + base.height / height) / 2,
  }));
}

/** TIFF ResolutionUnit: 2 = inch, 3 = centimetre; 1 (none) carries no physical size. */
export function mppFromResolution(xResolution: number | undefined, yResolution: number | undefined, unit: number): [number, number] | null {
  const micronsPerUnit = unit === 2 ? 25_400 : unit === 3 ? 10_000 : 0;
  if (!micronsPerUnit || !xResolution || !yResolution || !(xResolution > 0) || !(yResolution > 0)) return null;
  return [micronsPerUnit / xResolution, micronsPerUnit / yResolution];
}

/** A positive finite number from a property string, else null. */
export function positiveNumber(value: string | undefined): number | null {
  if (value === undefined || value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : null;
}

/** OpenSlide-style level properties, so every reader's properties answer the same questions. */
export function levelProperties(levels: SlideLevelInfo[]): Record<string, string> {
  const props: Record<string, string> = { 'openslide.level-count': String(levels.length) };
  levels.forEach((level, i) => {
    props[`openslide.level[${i}].width`] = String(level.width);
    props[`openslide.level[${i}].height`] = String(level.height);
    props[`openslide.level[${i}].downsample`] = String(level.downsample);
  });
  return props;
}
