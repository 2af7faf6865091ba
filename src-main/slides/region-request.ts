import { SlideError } from './errors';
import type { SlideMetadata } from './types';

/** Largest region one readRegion call may ask for: 64 Mpx is 256 MiB of RGBA. */
export const MAX_REGION_PIXELS = 64 * 1024 * 1024;

/** Rejects a read_region request no reader should attempt, with a message that says why. */
export function checkRegionRequest(metadata: SlideMetadata, x: number, y: number, level: number, w: number, h: number): void {
  if (![x, y, level, w, h].every(Number.isSafeInteger)) {
    throw new SlideError('tile-failed', `Region coordinates must be whole numbers (got x=${x}, y=${y}, level=${level}, ${w} x ${h})`);
  }
  const count = metadata.levels.length;
  if (level < 0 || level >= count) {
    throw new SlideError('tile-failed', `Level ${level} does not exist: this slide has ${count} level${count === 1 ? '' : 's'} (0-${count - 1})`);
  }
  if (w < 1 || h < 1) throw new SlideError('tile-failed', `A region must be at least 1 x 1 pixels (got ${w} x ${h})`);
  if (w * h > MAX_REGION_PIXELS) {
    throw new SlideError('too-large', `A ${w} x ${h} region is too large to read at once (the limit is ${MAX_REGION_PIXELS / (1024 * 1024)} megapixels); read it in parts`);
  }
}
