/**
 * Deep Zoom tiles for the viewer (OpenSeadragon). Level `maxLevel` = ceil(log2(max(w, h))) is
 * full resolution, each level below halves the size (rounding up), level 0 is 1 x 1. Tiles are
 * tileSize square without overlap; edge tiles are cropped to the level, as in DZI.
 *
 * A tile is read from the slide level closest to (not coarser than) its downsample and resized
 * to the tile; when that read would be huge (a single-level slide seen zoomed out), the tile is
 * built from its four children instead, so memory stays bounded. Encoded tiles are cached by
 * bytes, and concurrent requests for one tile share one decode.
 */
import sharp from 'sharp';
import { SlideError } from './errors';
import { copyRgba, flattenInPlace, hasTransparency, transparentRegion } from './pixels';
import { TileCache, type CacheStats } from './tile-cache';
import { hasNativeJpegTiles, type RegionPixels, type SlideSource } from './types';

export type TileFormat = 'jpeg' | 'png';

export interface DeepZoomOptions {
  /**
   * Tile side in pixels; default 256. 'native' uses the slide's own JPEG tile side when it is
   * square and 128-1024 px (Aperio's 240, for instance), else 256: every full-resolution tile,
   * and every tile of a level the file stores, is then the file's JPEG passed through untouched.
   */
  tileSize?: number | 'native';
  /** Default: png for images with an alpha channel, jpeg for everything else. */
  format?: TileFormat;
  /** JPEG quality; default 85 (visually lossless for H&E at viewing size). */
  quality?: number;
  /** Encoded-tile cache: default a private 64 MiB one; null turns caching off (benchmarks). */
  cache?: TileCache<Buffer> | null;
}

export interface DeepZoomGeometry {
  tileSize: number;
  overlap: 0;
  maxLevel: number;
  format: TileFormat;
}

/** Slide levels whose downsample is within 1% of the tile's count as exact (Aperio: 4.000457 for 4). */
const LEVEL_TOLERANCE = 1.01;
/**
 * A tile is read directly from the slide only while that read is at most 4x its side (16x its
 * pixels); beyond that it is built from its four children, whose pixels are cached, so zooming
 * out of a single-level slide reads each slide pixel about once instead of once per level.
 */
const MAX_DIRECT_READ_TILES = 16;
/** Raw child tiles kept while building zoomed-out tiles of single-level slides. */
const CHILD_PIXEL_CACHE_BYTES = 32 * 1024 * 1024;

export class DeepZoomTiler {
  readonly geometry: DeepZoomGeometry;
  private readonly quality: number;
  private readonly cache: TileCache<Buffer> | null;
  private readonly background: [number, number, number];
  private childPixels: TileCache<RegionPixels> | null = null;

  constructor(
    readonly source: SlideSource,
    options: DeepZoomOptions = {},
  ) {
    const { width, height, properties } = source.metadata;
    const tileSize = options.tileSize === 'native' ? nativeTileSide(source) : (options.tileSize ?? 256);
    if (!Number.isInteger(tileSize) || tileSize < 1) throw new RangeError(`tileSize must be a positive integer (got ${tileSize})`);
    const format = options.format ?? (properties['image.has-alpha'] === 'true' ? 'png' : 'jpeg');
    this.geometry = { tileSize, overlap: 0, maxLevel: maxLevelFor(Math.max(width, height)), format };
    this.quality = options.quality ?? 85;
    this.cache = options.cache === undefined ? new TileCache<Buffer>() : options.cache;
    this.background = parseBackground(properties['openslide.background-color']);
  }

  /** Size of a Deep Zoom level in pixels. */
  levelSize(level: number): { width: number; height: number } {
    this.checkLevel(level);
    const scale = this.levelScale(level);
    return { width: Math.ceil(this.source.metadata.width / scale), height: Math.ceil(this.source.metadata.height / scale) };
  }

  /** Columns and rows of tiles at a level. */
  tileGrid(level: number): { cols: number; rows: number } {
    const { width, height } = this.levelSize(level);
    const size = this.geometry.tileSize;
    return { cols: Math.ceil(width / size), rows: Math.ceil(height / size) };
  }

  /** The encoded tile (JPEG or PNG per geometry.format); cached, one decode per tile at a time. */
  async getTile(level: number, col: number, row: number): Promise<Buffer> {
    this.checkTile(level, col, row);
    if (!this.cache) return this.renderTile(level, col, row);
    const { tileSize, format } = this.geometry;
    const key = `${this.source.path}|${tileSize}|${format}|${this.quality}|${level}/${col}_${row}`;
    return this.cache.getOrLoad(key, () => this.renderTile(level, col, row));
  }

  /** The tile's pixels before encoding: RGBA, cropped at the edges. */
  async getTilePixels(level: number, col: number, row: number): Promise<RegionPixels> {
    this.checkTile(level, col, row);
    const { pixels, width, height } = await this.tilePixelsUnscaled(level, col, row);
    if (pixels.width === width && pixels.height === height) return pixels;
    const data = await sharp(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels: 4 } })
      .resize(width, height, { fit: 'fill' })
      .raw()
      .toBuffer();
    return { data, width, height, channels: 4 };
  }

  cacheStats(): (CacheStats & { coalesced: number }) | null {
    return this.cache?.stats() ?? null;
  }

  private async renderTile(level: number, col: number, row: number): Promise<Buffer> {
    const passThrough = await this.nativeJpegTile(level, col, row);
    if (passThrough) return passThrough;
    const { pixels, width, height } = await this.tilePixelsUnscaled(level, col, row);
    return this.encode(pixels, width, height);
  }

  /**
   * The slide's own JPEG tile, when the file's tile grid is this level's grid: same size, same
   * tile side, a full (uncropped) tile. Saves a decode and a re-encode, and loses no quality.
   */
  private async nativeJpegTile(level: number, col: number, row: number): Promise<Buffer | null> {
    if (this.geometry.format !== 'jpeg' || !hasNativeJpegTiles(this.source)) return null;
    const size = this.levelSize(level);
    const slideLevel = this.source.metadata.levels.findIndex((l) => l.width === size.width && l.height === size.height);
    if (slideLevel < 0) return null;
    const native = this.source.nativeJpegTileSize(slideLevel);
    const { tileSize } = this.geometry;
    if (!native || native.width !== tileSize || native.height !== tileSize) return null;
    if ((col + 1) * tileSize > size.width || (row + 1) * tileSize > size.height) return null;
    return this.source.readNativeJpegTile(slideLevel, col, row);
  }

  /**
   * Pixels covering the tile at some resolution >= the tile's, plus the size they must be
   * resized to: read from the best slide level, or assembled from the four child tiles.
   */
  private async tilePixelsUnscaled(level: number, col: number, row: number): Promise<{ pixels: RegionPixels; width: number; height: number }> {
    const { tileSize, maxLevel } = this.geometry;
    const { width: slideWidth, height: slideHeight, levels } = this.source.metadata;
    const size = this.levelSize(level);
    const width = Math.min(tileSize, size.width - col * tileSize);
    const height = Math.min(tileSize, size.height - row * tileSize);
    const scale = this.levelScale(level);

    // The tile's footprint in level-0 pixels, clipped to the slide.
    const x0 = col * tileSize * scale;
    const y0 = row * tileSize * scale;
    const l0Width = Math.min(width * scale, slideWidth - x0);
    const l0Height = Math.min(height * scale, slideHeight - y0);

    const slideLevel = bestLevelForDownsample(levels.map((l) => l.downsample), scale);
    const { downsample, width: levelWidth, height: levelHeight } = levels[slideLevel];
    const startX = Math.floor(x0 / downsample);
    const startY = Math.floor(y0 / downsample);
    const readWidth = Math.max(1, Math.min(Math.ceil(l0Width / downsample), levelWidth - startX));
    const readHeight = Math.max(1, Math.min(Math.ceil(l0Height / downsample), levelHeight - startY));

    if (readWidth * readHeight > MAX_DIRECT_READ_TILES * tileSize * tileSize && level < maxLevel) {
      return { pixels: await this.childrenMosaic(level, col, row), width, height };
    }
    return { pixels: await this.source.readRegion(x0, y0, slideLevel, readWidth, readHeight), width, height };
  }

  /** The (up to) four tiles of the next level that cover this tile, side by side. */
  private async childrenMosaic(level: number, col: number, row: number): Promise<RegionPixels> {
    const { tileSize } = this.geometry;
    const child = this.levelSize(level + 1);
    const mosaicWidth = Math.min(2 * tileSize, child.width - 2 * col * tileSize);
    const mosaicHeight = Math.min(2 * tileSize, child.height - 2 * row * tileSize);
    const mosaic = transparentRegion(mosaicWidth, mosaicHeight);
    const grid = this.tileGrid(level + 1);
    const jobs: Promise<void>[] = [];
    for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
      const childCol = 2 * col + dx;
      const childRow = 2 * row + dy;
      if (childCol >= grid.cols || childRow >= grid.rows) continue;
      jobs.push(
        this.childTilePixels(level + 1, childCol, childRow).then((pixels) => {
          copyRgba(pixels.data, pixels.width, 0, 0, mosaic.data, mosaicWidth, dx * tileSize, dy * tileSize, pixels.width, pixels.height);
        }),
      );
    }
    await Promise.all(jobs);
    return mosaic;
  }

  private childTilePixels(level: number, col: number, row: number): Promise<RegionPixels> {
    this.childPixels ??= new TileCache<RegionPixels>({ maxBytes: CHILD_PIXEL_CACHE_BYTES, sizeOf: (p) => p.data.length });
    return this.childPixels.getOrLoad(`${level}/${col}_${row}`, () => this.getTilePixels(level, col, row));
  }

  private async encode(pixels: RegionPixels, width: number, height: number): Promise<Buffer> {
    const jpeg = this.geometry.format === 'jpeg';
    if (jpeg && hasTransparency(pixels.data)) {
      // JPEG has no alpha: show the slide's background where it is transparent (outside scanned areas).
      pixels = { ...pixels, data: Buffer.from(pixels.data) };
      flattenInPlace(pixels.data, this.background);
    }
    let image = sharp(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels: 4 } });
    if (pixels.width !== width || pixels.height !== height) image = image.resize(width, height, { fit: 'fill' });
    try {
      // optimiseCoding off: ~10% faster per tile; tiles go to a local viewer, not over the internet.
      return jpeg
        ? await image.removeAlpha().jpeg({ quality: this.quality, optimiseCoding: false }).toBuffer()
        : await image.png({ compressionLevel: 4 }).toBuffer();
    } catch (error) {
      throw new SlideError('tile-failed', `A ${width} x ${height} tile could not be encoded`, { cause: error });
    }
  }

  /** Level-0 pixels per Deep Zoom pixel at `level`. */
  private levelScale(level: number): number {
    return 2 ** (this.geometry.maxLevel - level);
  }

  private checkLevel(level: number): void {
    const { maxLevel } = this.geometry;
    if (!Number.isInteger(level) || level < 0 || level > maxLevel) {
      throw new SlideError('not-found', `Deep Zoom level ${level} does not exist (levels are 0-${maxLevel})`);
    }
  }

  private checkTile(level: number, col: number, row: number): void {
    const { cols, rows } = this.tileGrid(level);
    if (!Number.isInteger(col) || !Number.isInteger(row) || col < 0 || row < 0 || col >= cols || row >= rows) {
      throw new SlideError('not-found', `Tile ${col},${row} is outside Deep Zoom level ${level} (${cols} x ${rows} tiles)`);
    }
  }
}

/** The slide's level-0 JPEG tile side when usable as a viewer tile, else 256. */
function nativeTileSide(source: SlideSource): number {
  const native = hasNativeJpegTiles(source) ? source.nativeJpegTileSize(0) : null;
  return native && native.width === native.height && native.width >= 128 && native.width <= 1024 ? native.width : 256;
}

/** Smallest n with 2^n >= size: the level at which a size-pixel side is at full resolution. */
export function maxLevelFor(size: number): number {
  let level = 0;
  while (2 ** level < size) level++;
  return level;
}

/** The coarsest slide level whose downsample does not exceed `downsample` (within 1%). */
export function bestLevelForDownsample(downsamples: number[], downsample: number): number {
  let best = 0;
  downsamples.forEach((d, i) => {
    if (d <= downsample * LEVEL_TOLERANCE && d > downsamples[best]) best = i;
  });
  return best;
}

/** OpenSlide's openslide.background-color ("RRGGBB"), else white. */
function parseBackground(hex: string | undefined): [number, number, number] {
  if (!hex || !/^[0-9a-fA-F]{6}$/.test(hex)) return [255, 255, 255];
  const value = parseInt(hex, 16);
  return [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
}
