/**
 * A SlideSource over an ordinary image (PNG, JPEG, BMP, GIF, WebP, untiled TIFF): decoded once
 * into memory, with a pyramid built on demand (each level halves the one above, rounding up,
 * until the longer side is under 256 px) so the viewer can zoom out without resampling the full
 * image for every tile.
 */
import sharp from 'sharp';
import { SlideError } from '../errors';
import { copyRgba, intersect, transparentRegion } from '../pixels';
import { checkRegionRequest } from '../region-request';
import type { RegionPixels, SlideLevelInfo, SlideMetadata, SlideSource } from '../types';
import { levelsFromSizes } from '../metadata';

/** Levels stop once the longer side is below this (one viewer tile). */
const SMALLEST_LEVEL_SIDE = 256;

/** Sizes of the on-demand pyramid: 775 x 522 -> 775 x 522, 388 x 261, 194 x 131. */
export function plainImageLevels(width: number, height: number): SlideLevelInfo[] {
  const sizes = [{ width, height }];
  while (Math.max(sizes[sizes.length - 1].width, sizes[sizes.length - 1].height) >= SMALLEST_LEVEL_SIDE) {
    const last = sizes[sizes.length - 1];
    sizes.push({ width: Math.ceil(last.width / 2), height: Math.ceil(last.height / 2) });
  }
  return levelsFromSizes(sizes);
}

export class PlainImageSource implements SlideSource {
  /** RGBA pixels per level; level 0 is given, the others are built when first read. */
  private readonly levelPixels: Promise<Buffer>[] = [];
  private closed = false;

  constructor(
    readonly path: string,
    readonly metadata: SlideMetadata,
    level0: Buffer,
  ) {
    this.levelPixels[0] = Promise.resolve(level0);
  }

  async readRegion(x: number, y: number, level: number, w: number, h: number): Promise<RegionPixels> {
    if (this.closed) throw new SlideError('not-found', 'This image has been closed; open it again');
    checkRegionRequest(this.metadata, x, y, level, w, h);
    const info = this.metadata.levels[level];
    const pixels = await this.pixelsOfLevel(level);
    const region = { x: Math.floor(x / info.downsample), y: Math.floor(y / info.downsample), width: w, height: h };
    const out = transparentRegion(w, h);
    const part = intersect(region, { x: 0, y: 0, width: info.width, height: info.height });
    if (part) copyRgba(pixels, info.width, part.x, part.y, out.data, w, part.x - region.x, part.y - region.y, part.width, part.height);
    return out;
  }

  async readAssociated(name: string): Promise<Buffer> {
    throw new SlideError('not-found', `An ordinary image has no associated images (asked for "${name}")`);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.levelPixels.length = 0;
  }

  /** Level n is level n-1 halved (each level from the one above keeps every resize small). */
  private pixelsOfLevel(level: number): Promise<Buffer> {
    const existing = this.levelPixels[level];
    if (existing) return existing;
    const built = this.pixelsOfLevel(level - 1).then((above) => {
      const from = this.metadata.levels[level - 1];
      const to = this.metadata.levels[level];
      return sharp(above, { raw: { width: from.width, height: from.height, channels: 4 } })
        .resize(to.width, to.height, { fit: 'fill' })
        .raw()
        .toBuffer();
    });
    this.levelPixels[level] = built;
    return built;
  }
}
