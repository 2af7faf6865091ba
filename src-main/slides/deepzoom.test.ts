import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DeepZoomTiler, bestLevelForDownsample, maxLevelFor } from './deepzoom';
import { SlideError } from './errors';
import { levelsFromSizes } from './metadata';
import { copyRgba, intersect, transparentRegion } from './pixels';
import { compareBytes, cropRgba, meanAbsoluteDifference, rgbToRgba, testPattern } from './test-support';
import { TileCache } from './tile-cache';
import type { RegionPixels, SlideMetadata, SlideSource } from './types';

/** An in-memory single-level slide: readRegion copies from an RGBA buffer and counts its calls. */
class MemorySlide implements SlideSource {
  readonly path: string;
  readonly metadata: SlideMetadata;
  reads = 0;

  constructor(
    readonly rgba: Buffer,
    width: number,
    height: number,
    properties: Record<string, string> = {},
  ) {
    this.path = `memory:${width}x${height}`;
    this.metadata = { format: 'memory', vendor: 'test', width, height, levels: levelsFromSizes([{ width, height }]), mpp: null, objectivePower: null, associatedImages: [], properties };
  }

  static pattern(width: number, height: number): MemorySlide {
    return new MemorySlide(rgbToRgba(testPattern(width, height)), width, height);
  }

  async readRegion(x: number, y: number, level: number, w: number, h: number): Promise<RegionPixels> {
    this.reads++;
    const out = transparentRegion(w, h);
    const part = intersect({ x, y, width: w, height: h }, { x: 0, y: 0, width: this.metadata.width, height: this.metadata.height });
    if (part) copyRgba(this.rgba, this.metadata.width, part.x, part.y, out.data, w, part.x - x, part.y - y, part.width, part.height);
    return out;
  }

  async readAssociated(): Promise<Buffer> {
    throw new Error('none');
  }

  async close(): Promise<void> {}
}

async function decode(tile: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(tile).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

describe('Deep Zoom geometry', () => {
  it('has maxLevel = ceil(log2(max side)), halves with rounding up, and ends at 1 x 1', () => {
    const tiler = new DeepZoomTiler(MemorySlide.pattern(1000, 700));
    expect(tiler.geometry).toEqual({ tileSize: 256, overlap: 0, maxLevel: 10, format: 'jpeg' });
    expect(tiler.levelSize(10)).toEqual({ width: 1000, height: 700 });
    expect(tiler.levelSize(9)).toEqual({ width: 500, height: 350 });
    expect(tiler.levelSize(7)).toEqual({ width: 125, height: 88 });
    expect(tiler.levelSize(1)).toEqual({ width: 2, height: 2 }); // ceil(700 / 512) = 2
    expect(tiler.levelSize(0)).toEqual({ width: 1, height: 1 });
    expect(tiler.tileGrid(10)).toEqual({ cols: 4, rows: 3 });
    expect(tiler.tileGrid(8)).toEqual({ cols: 1, rows: 1 });
  });

  it('handles powers of two, 1 x 1 slides and extreme aspect ratios', () => {
    expect(maxLevelFor(1)).toBe(0);
    expect(maxLevelFor(2)).toBe(1);
    expect(maxLevelFor(512)).toBe(9);
    expect(maxLevelFor(513)).toBe(10);
    const square = new DeepZoomTiler(MemorySlide.pattern(512, 512));
    expect(square.levelSize(9)).toEqual({ width: 512, height: 512 });
    expect(square.levelSize(1)).toEqual({ width: 2, height: 2 });
    const dot = new DeepZoomTiler(MemorySlide.pattern(1, 1));
    expect(dot.geometry.maxLevel).toBe(0);
    expect(dot.levelSize(0)).toEqual({ width: 1, height: 1 });
    const strip = new DeepZoomTiler(MemorySlide.pattern(3000, 5));
    expect(strip.levelSize(12)).toEqual({ width: 3000, height: 5 });
    expect(strip.levelSize(9)).toEqual({ width: 375, height: 1 });
  });

  it('rejects tiles and levels outside the grid with not-found', async () => {
    const tiler = new DeepZoomTiler(MemorySlide.pattern(1000, 700));
    for (const [level, col, row] of [[10, 4, 0], [10, 0, 3], [10, -1, 0], [11, 0, 0], [-1, 0, 0], [10, 0.5, 0]]) {
      const error = await tiler.getTile(level, col, row).catch((e: unknown) => e);
      expect(error, `${level}/${col}_${row}`).toBeInstanceOf(SlideError);
      expect((error as SlideError).code).toBe('not-found');
    }
  });

  it('picks the coarsest slide level not coarser than the tile, with 1% tolerance', () => {
    expect(bestLevelForDownsample([1, 4.000457, 16.0018], 4)).toBe(1);
    expect(bestLevelForDownsample([1, 4.000457, 16.0018], 3.9)).toBe(0);
    expect(bestLevelForDownsample([1, 4.000457, 16.0018], 64)).toBe(2);
    expect(bestLevelForDownsample([1, 2, 4], 1)).toBe(0);
  });
});

describe('Deep Zoom tiles', () => {
  it('serves full-resolution tiles with exactly the slide pixels, edge tiles cropped', async () => {
    const slide = MemorySlide.pattern(1000, 700);
    const tiler = new DeepZoomTiler(slide, { format: 'png' });
    const inner = await decode(await tiler.getTile(10, 1, 1));
    expect([inner.width, inner.height]).toEqual([256, 256]);
    expect(compareBytes(inner.data, cropRgba(slide.rgba, 1000, 256, 256, 256, 256)).differing).toBe(0);
    const corner = await decode(await tiler.getTile(10, 3, 2));
    expect([corner.width, corner.height]).toEqual([1000 - 768, 700 - 512]);
    expect(compareBytes(corner.data, cropRgba(slide.rgba, 1000, 768, 512, 232, 188)).differing).toBe(0);
  });

  it('serves zoomed-out tiles close to the image resized, whether read directly or built from children', async () => {
    const slide = MemorySlide.pattern(2000, 1500);
    // 64-px tiles: levels 2+ below full resolution read more than 16 tiles' worth, so they are built from children.
    for (const tileSize of [256, 64]) {
      const tiler = new DeepZoomTiler(slide, { format: 'png', tileSize });
      const level = tiler.geometry.maxLevel - 3; // 1/8: 250 x 188
      const size = tiler.levelSize(level);
      const expected = await sharp(slide.rgba, { raw: { width: 2000, height: 1500, channels: 4 } }).resize(size.width, size.height, { fit: 'fill' }).raw().toBuffer();
      const tile = await decode(await tiler.getTile(level, 0, 0));
      const w = Math.min(tileSize, size.width);
      const h = Math.min(tileSize, size.height);
      expect([tile.width, tile.height]).toEqual([w, h]);
      expect(meanAbsoluteDifference(tile.data, cropRgba(expected, size.width, 0, 0, w, h)), `tileSize ${tileSize}`).toBeLessThan(4);
    }
    const oneByOne = await decode(await new DeepZoomTiler(slide, { tileSize: 64 }).getTile(0, 0, 0));
    expect([oneByOne.width, oneByOne.height]).toEqual([1, 1]);
  });

  it('flattens transparent areas onto the background in JPEG tiles', async () => {
    const rgba = Buffer.alloc(300 * 300 * 4); // fully transparent slide
    const white = await decode(await new DeepZoomTiler(new MemorySlide(rgba, 300, 300)).getTile(9, 0, 0));
    expect(white.data[0]).toBeGreaterThan(250);
    const grey = await decode(await new DeepZoomTiler(new MemorySlide(rgba, 300, 300, { 'openslide.background-color': '808080' })).getTile(9, 0, 0));
    expect(Math.abs(grey.data[0] - 128)).toBeLessThan(3);
  });

  it('chooses PNG for images with alpha and JPEG otherwise', () => {
    const alpha = new MemorySlide(Buffer.alloc(16), 2, 2, { 'image.has-alpha': 'true' });
    expect(new DeepZoomTiler(alpha).geometry.format).toBe('png');
    expect(new DeepZoomTiler(MemorySlide.pattern(2, 2)).geometry.format).toBe('jpeg');
    expect(new DeepZoomTiler(alpha, { format: 'jpeg' }).geometry.format).toBe('jpeg');
  });

  it('caches encoded tiles and decodes a tile once for concurrent requests', async () => {
    const slide = MemorySlide.pattern(1000, 700);
    const cache = new TileCache({ maxBytes: 1024 * 1024 });
    const tiler = new DeepZoomTiler(slide, { cache });
    const [a, b, c] = await Promise.all([tiler.getTile(10, 0, 0), tiler.getTile(10, 0, 0), tiler.getTile(10, 0, 0)]);
    expect(slide.reads).toBe(1);
    expect(a).toBe(b);
    expect(b).toBe(c);
    await tiler.getTile(10, 0, 0);
    expect(slide.reads).toBe(1);
    expect(tiler.cacheStats()).toMatchObject({ hits: 1, coalesced: 2, entries: 1 });
    const uncached = new DeepZoomTiler(slide, { cache: null });
    await uncached.getTile(10, 0, 0);
    await uncached.getTile(10, 0, 0);
    expect(slide.reads).toBe(3);
  });
});
