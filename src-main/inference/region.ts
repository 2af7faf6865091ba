/**
 * Reading a level-0 region of a slide at the model's resolution.
 *
 * Rules:
 *  - The region is clipped to the slide; an empty intersection is an error.
 *  - Source level: the coarsest level whose resolution is at or finer than the model's (never
 *    upsample a coarse level when a finer one exists); level 0 when even it is coarser.
 *  - The level's pixels are resampled with sharp (Lanczos when shrinking) to exactly
 *    round(size * slideMpp / modelMpp) model pixels per side (at least 1).
 *  - Pixels outside the slide or transparent in the file are composited over white: the
 *    model sees them as glass, which is what an empty part of a slide is.
 *  - A slide that does not state its resolution is assumed to be at the model's resolution
 *    (`mppAssumed` says so, and the caller should tell the user).
 */
import sharp from 'sharp';
import type { SlideSource } from '../slides/types';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface RegionImage {
  /** RGB bytes, HWC, at the model's resolution. */
  rgb: Uint8Array;
  width: number;
  height: number;
  /** The level-0 rectangle the image covers (the request clipped to the slide). */
  bounds: Rect;
  /** Level-0 pixels per image pixel, per axis (bounds.width / width). */
  scale: [number, number];
  /** Resolution of the image (the model's) and of the slide's level 0, micrometres per pixel. */
  mpp: number;
  slideMpp: [number, number];
  /** True when the slide gave no resolution and the model's was assumed. */
  mppAssumed: boolean;
  /** The slide level read. */
  level: number;
}

/** Largest region read in one piece, in model pixels (4096^2: ~200 MB of blended float maps). */
export const MAX_REGION_PIXELS = 4096 * 4096;

export function clipToSlide(region: Rect, slideWidth: number, slideHeight: number): Rect {
  const x0 = Math.max(0, Math.floor(region.x));
  const y0 = Math.max(0, Math.floor(region.y));
  const x1 = Math.min(slideWidth, Math.ceil(region.x + region.width));
  const y1 = Math.min(slideHeight, Math.ceil(region.y + region.height));
  if (x1 <= x0 || y1 <= y0) throw new Error(`region ${JSON.stringify(region)} lies outside the slide (${slideWidth} x ${slideHeight})`);
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** Index of the coarsest level with downsample <= `maxDownsample` (1% slack for rounded pyramids). */
export function pickLevel(downsamples: readonly number[], maxDownsample: number): number {
  let best = 0;
  downsamples.forEach((d, i) => {
    if (d <= maxDownsample * 1.01 && d > downsamples[best]) best = i;
  });
  return best;
}

export async function readRegionAtMpp(source: SlideSource, region: Rect, modelMpp: number): Promise<RegionImage> {
  const meta = source.metadata;
  const bounds = clipToSlide(region, meta.width, meta.height);
  const mppAssumed = meta.mpp === null;
  const slideMpp: [number, number] = meta.mpp ?? [modelMpp, modelMpp];
  const width = Math.max(1, Math.round((bounds.width * slideMpp[0]) / modelMpp));
  const height = Math.max(1, Math.round((bounds.height * slideMpp[1]) / modelMpp));
  if (width * height > MAX_REGION_PIXELS) {
    throw new Error(`region is ${width} x ${height} px at ${modelMpp} um/px, more than ${MAX_REGION_PIXELS} px: predict it in parts`);
  }
  // The finer axis decides: no axis may end up coarser than the model's resolution.
  const maxDownsample = Math.min(modelMpp / slideMpp[0], modelMpp / slideMpp[1]);
  const level = pickLevel(
    meta.levels.map((l) => l.downsample),
    maxDownsample,
  );
  const { downsample } = meta.levels[level];
  // Level pixels covering the bounds; the bounds are on level-0 pixels, so the read may start
  // a fraction of a level pixel early, which stays well under one model pixel.
  const lw = Math.max(1, Math.ceil(bounds.width / downsample));
  const lh = Math.max(1, Math.ceil(bounds.height / downsample));
  const pixels = await source.readRegion(bounds.x, bounds.y, level, lw, lh);
  const rgb = await sharp(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels: 4 } })
    .flatten({ background: { r: 255, g: 255, b: 255 } })
    .resize(width, height, { fit: 'fill', kernel: width < lw ? 'lanczos3' : 'cubic' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (rgb.info.width !== width || rgb.info.height !== height || rgb.info.channels !== 3) {
    throw new Error(`resampling gave ${rgb.info.width} x ${rgb.info.height} x ${rgb.info.channels}, wanted ${width} x ${height} x 3`);
  }
  return {
    rgb: new Uint8Array(rgb.data.buffer, rgb.data.byteOffset, rgb.data.length),
    width,
    height,
    bounds,
    scale: [bounds.width / width, bounds.height / height],
    mpp: modelMpp,
    slideMpp,
    mppAssumed,
    level,
  };
}
