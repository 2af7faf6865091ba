/**
 * Reads and decodes the tiles of one tiled TIFF image (one pyramid level) to RGBA, one tile per
 * decode, so a damaged tile fails alone and a huge level costs only the tiles asked for.
 *
 * Plain JPEG tiles (nearly every slide) become a standalone JPEG (tables + tile) decoded by
 * sharp: the pixels libtiff and OpenSlide give, and the bytes the Deep Zoom tiler can pass
 * through. Tiles in any other coding are wrapped in a one-tile TIFF that sharp's libtiff decodes.
 */
import sharp from 'sharp';
import { SlideError, describeError } from '../errors';
import { TiffCompression, TiffPhotometric, TiffTag, type TiffFile } from './tiff-file';
import { readTileTable, type TiffPage, type TileTable } from './tiff-page';
import { standaloneJpeg } from './jpeg-tile';
import { singleTileTiff } from './single-tile-tiff';

export interface DecodedTile {
  /** Interleaved 8-bit samples; may be larger than the part inside the image (TIFF pads edge tiles). */
  data: Buffer;
  width: number;
  height: number;
  /** 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA. */
  channels: number;
}

export class TiffLevelReader {
  /** True when tiles are decoded from their own JPEG bytes (and can be passed through). */
  readonly directJpeg: boolean;

  private constructor(
    private readonly file: TiffFile,
    readonly page: TiffPage,
    private readonly table: TileTable,
    private readonly jpegTables: Buffer | undefined,
  ) {
    this.directJpeg = isPlainJpeg(page);
  }

  /** Validates the page's tile table against the file (catching truncation) and prepares decoding. */
  static async create(file: TiffFile, page: TiffPage): Promise<TiffLevelReader> {
    if (!page.tiled) throw new SlideError('corrupt-slide', `Image ${page.page} of this TIFF is not tiled and cannot be a pyramid level`);
    if (page.planarConfiguration !== 1) {
      throw new SlideError('unsupported-format', 'This TIFF stores each colour in a separate plane, which Semi-MoE Studio does not read; convert it with vips tiffsave --tile --pyramid');
    }
    const table = await readTileTable(file, page);
    const jpegTables = page.compression === TiffCompression.Jpeg ? await file.bytes(page.dir, TiffTag.JPEGTables) : undefined;
    return new TiffLevelReader(file, page, table, jpegTables);
  }

  get width(): number {
    return this.page.width;
  }

  get height(): number {
    return this.page.height;
  }

  get tileWidth(): number {
    return this.page.tileWidth;
  }

  get tileHeight(): number {
    return this.page.tileHeight;
  }

  /** The standalone JPEG bytes of tile (tx, ty), or null when it has none (absent, not plain JPEG). */
  async readStandaloneJpeg(tx: number, ty: number): Promise<Buffer | null> {
    if (!this.directJpeg) return null;
    const bytes = await this.tileBytes(tx, ty);
    return bytes ? standaloneJpeg(bytes, this.jpegTables, this.page.photometric) : null;
  }

  /** Tile (tx, ty) as RGBA; null for a tile the file leaves out (0 bytes: transparent, as in OpenSlide). */
  async decodeTile(tx: number, ty: number): Promise<DecodedTile | null> {
    try {
      const bytes = await this.tileBytes(tx, ty);
      if (!bytes) return null;
      if (this.directJpeg) {
        const jpeg = standaloneJpeg(bytes, this.jpegTables, this.page.photometric);
        if (!jpeg) throw this.tileError(tx, ty, 'its data is not a JPEG stream');
        const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
        return { data, width: info.width, height: info.height, channels: info.channels };
      }
      const tiff = await singleTileTiff(this.file, this.page, bytes);
      // sRGB 8-bit whatever the samples are (16-bit, greyscale, palette), plus alpha.
      const { data, info } = await sharp(tiff).toColourspace('srgb').ensureAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
      return { data, width: info.width, height: info.height, channels: info.channels };
    } catch (error) {
      if (error instanceof SlideError) throw error;
      throw this.tileError(tx, ty, describeError(error), error);
    }
  }

  private async tileBytes(tx: number, ty: number): Promise<Buffer | null> {
    const index = ty * this.table.tilesAcross + tx;
    const length = this.table.byteCounts[index];
    return length ? this.file.read(this.table.offsets[index], length) : null;
  }

  private tileError(tx: number, ty: number, detail: string, cause?: unknown): SlideError {
    return new SlideError(
      'tile-failed',
      `Tile ${tx},${ty} of image ${this.page.page} in this slide is damaged and cannot be shown (${detail}). The rest of the slide is readable.`,
      { cause },
    );
  }
}

/** 8-bit interleaved RGB/YCbCr or greyscale JPEG tiles: what a standalone JPEG can carry. */
function isPlainJpeg(page: TiffPage): boolean {
  if (page.compression !== TiffCompression.Jpeg || page.bitsPerSample !== 8 || page.planarConfiguration !== 1) return false;
  const colour = page.samplesPerPixel === 3 && (page.photometric === TiffPhotometric.Rgb || page.photometric === TiffPhotometric.YCbCr);
  const grey = page.samplesPerPixel === 1 && page.photometric === TiffPhotometric.MinIsBlack;
  return colour || grey;
}
