/**
 * A SlideSource over a tiled TIFF pyramid (Aperio SVS, generic pyramidal TIFF): regions are
 * assembled from decoded tiles, which are cached by bytes and decoded once however many
 * concurrent regions need them (the viewer asks for neighbouring tiles at the same time).
 */
import sharp from 'sharp';
import { SlideError } from '../errors';
import { copyToRgba, intersect, transparentRegion } from '../pixels';
import { TileCache } from '../tile-cache';
import type { RegionPixels, SlideMetadata, SlideSource } from '../types';
import type { TiffFile } from './tiff-file';
import type { DecodedTile, TiffLevelReader } from './tiff-level-reader';
import type { TiffPage } from './tiff-page';
import { checkRegionRequest } from '../region-request';

/** Decoded tiles kept per open slide: 48 MiB is ~270 RGB tiles of 240 px, a few screenfuls. */
const DECODED_TILE_CACHE_BYTES = 48 * 1024 * 1024;

export class TiffPyramidSource implements SlideSource {
  private readonly decoded = new TileCache<DecodedTile | null>({
    maxBytes: DECODED_TILE_CACHE_BYTES,
    sizeOf: (tile) => (tile ? tile.data.length : 64),
  });
  private closed = false;

  constructor(
    readonly path: string,
    readonly metadata: SlideMetadata,
    private readonly file: TiffFile,
    /** One reader per entry of metadata.levels, same order. */
    private readonly levels: TiffLevelReader[],
    /** Associated images by name (label, macro, thumbnail) as TIFF pages. */
    private readonly associated: ReadonlyMap<string, TiffPage>,
  ) {}

  async readRegion(x: number, y: number, level: number, w: number, h: number): Promise<RegionPixels> {
    this.assertOpen();
    checkRegionRequest(this.metadata, x, y, level, w, h);
    const reader = this.levels[level];
    const downsample = this.metadata.levels[level].downsample;
    // The region's top-left in this level's pixels (read_region takes level-0 coordinates).
    const region = { x: Math.floor(x / downsample), y: Math.floor(y / downsample), width: w, height: h };
    const out = transparentRegion(w, h);
    const visible = intersect(region, { x: 0, y: 0, width: reader.width, height: reader.height });
    if (!visible) return out;

    const { tileWidth, tileHeight } = reader;
    const firstCol = Math.floor(visible.x / tileWidth);
    const lastCol = Math.floor((visible.x + visible.width - 1) / tileWidth);
    const firstRow = Math.floor(visible.y / tileHeight);
    const lastRow = Math.floor((visible.y + visible.height - 1) / tileHeight);
    const jobs: Promise<void>[] = [];
    for (let ty = firstRow; ty <= lastRow; ty++) {
      for (let tx = firstCol; tx <= lastCol; tx++) {
        jobs.push(
          this.decodedTile(level, tx, ty).then((tile) => {
            if (!tile) return; // A tile the file leaves out stays transparent, as in OpenSlide.
            const tileRect = { x: tx * tileWidth, y: ty * tileHeight, width: tile.width, height: tile.height };
            const part = intersect(tileRect, visible);
            if (!part) return;
            copyToRgba(tile.data, tile.width, tile.channels, part.x - tileRect.x, part.y - tileRect.y, out.data, w, part.x - region.x, part.y - region.y, part.width, part.height);
          }),
        );
      }
    }
    await Promise.all(jobs);
    return out;
  }

  /** Native tile size of a level, for JPEG pass-through; null when its tiles are not plain JPEG. */
  nativeJpegTileSize(level: number): { width: number; height: number } | null {
    const reader = this.levels[level];
    return reader?.directJpeg ? { width: reader.tileWidth, height: reader.tileHeight } : null;
  }

  /** The file's own JPEG for native tile (tx, ty) of `level`, standalone; null when unavailable. */
  async readNativeJpegTile(level: number, tx: number, ty: number): Promise<Buffer | null> {
    this.assertOpen();
    return (await this.levels[level]?.readStandaloneJpeg(tx, ty)) ?? null;
  }

  async readAssociated(name: string): Promise<Buffer> {
    this.assertOpen();
    const page = this.associated.get(name);
    if (!page) throw new SlideError('not-found', `This slide has no associated image called "${name}"`);
    try {
      return await sharp(this.path, { page: page.page }).png().toBuffer();
    } catch (error) {
      throw new SlideError('tile-failed', `The ${name} image in this slide is damaged and cannot be shown`, { cause: error });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.decoded.clear();
    await this.file.close();
  }

  private decodedTile(level: number, tx: number, ty: number): Promise<DecodedTile | null> {
    return this.decoded.getOrLoad(`${level}/${tx},${ty}`, () => this.levels[level].decodeTile(tx, ty));
  }

  private assertOpen(): void {
    if (this.closed) throw new SlideError('not-found', 'This slide has been closed; open it again');
  }
}
