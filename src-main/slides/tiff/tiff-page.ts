/**
 * One TIFF image (an IFD) described in the terms a slide reader needs: size, tiling, how the
 * tiles are coded, and where sharp finds it (`page`, and `subifd` for SubIFD pyramids).
 */
import { TiffCompression, TiffStructureError, TiffTag, type TiffDirectory, type TiffFile } from './tiff-file';

export interface TiffPage {
  /** Index in the main IFD chain: sharp's `page` option. */
  page: number;
  /** Index among that page's SubIFDs (sharp's `subifd` option), or -1 for the page itself. */
  subifd: number;
  dir: TiffDirectory;
  width: number;
  height: number;
  tiled: boolean;
  /** Tile size; for a stripped image, width x rows-per-strip. */
  tileWidth: number;
  tileHeight: number;
  compression: number;
  photometric: number;
  samplesPerPixel: number;
  bitsPerSample: number;
  /** 1 = interleaved samples (the usual case), 2 = one plane per sample. */
  planarConfiguration: number;
  /** 1 = unsigned integer samples. */
  sampleFormat: number;
  description: string;
  /** NewSubfileType bits: 1 = reduced-resolution version of another image. */
  subfileType: number;
}

export interface TileTable {
  offsets: number[];
  byteCounts: number[];
  tilesAcross: number;
  tilesDown: number;
}

export async function describePage(file: TiffFile, dir: TiffDirectory, page: number, subifd = -1): Promise<TiffPage> {
  const width = await file.number(dir, TiffTag.ImageWidth, 0);
  const height = await file.number(dir, TiffTag.ImageLength, 0);
  if (!(width > 0 && height > 0)) throw new TiffStructureError(`image ${page} has no size (${width} x ${height})`);
  const tiled = dir.entries.has(TiffTag.TileWidth) && dir.entries.has(TiffTag.TileOffsets);
  const tileWidth = tiled ? await file.number(dir, TiffTag.TileWidth, 0) : width;
  const tileHeight = tiled
    ? await file.number(dir, TiffTag.TileLength, 0)
    : Math.min(height, await file.number(dir, TiffTag.RowsPerStrip, height));
  if (!(tileWidth > 0 && tileHeight > 0)) throw new TiffStructureError(`image ${page} has tiles of size ${tileWidth} x ${tileHeight}`);
  return {
    page,
    subifd,
    dir,
    width,
    height,
    tiled,
    tileWidth,
    tileHeight,
    compression: await file.number(dir, TiffTag.Compression, TiffCompression.None),
    photometric: await file.number(dir, TiffTag.Photometric, -1),
    samplesPerPixel: await file.number(dir, TiffTag.SamplesPerPixel, 1),
    bitsPerSample: await file.number(dir, TiffTag.BitsPerSample, 1),
    planarConfiguration: await file.number(dir, TiffTag.PlanarConfiguration, 1),
    sampleFormat: await file.number(dir, TiffTag.SampleFormat, 1),
    description: (await file.string(dir, TiffTag.ImageDescription, 64 * 1024)) ?? '',
    subfileType: await file.number(dir, TiffTag.NewSubfileType, 0),
  };
}

/** Every page of the main chain, described. */
export async function describePages(file: TiffFile): Promise<TiffPage[]> {
  const pages: TiffPage[] = [];
  for (let i = 0; i < file.directories.length; i++) pages.push(await describePage(file, file.directories[i], i));
  return pages;
}

/**
 * The tile (or strip) locations of a page, checked against the file: every tile must lie inside
 * it. This is where a truncated slide is caught, before any pixel is decoded.
 */
export async function readTileTable(file: TiffFile, page: TiffPage): Promise<TileTable> {
  const offsetsTag = page.tiled ? TiffTag.TileOffsets : TiffTag.StripOffsets;
  const countsTag = page.tiled ? TiffTag.TileByteCounts : TiffTag.StripByteCounts;
  const tilesAcross = Math.ceil(page.width / page.tileWidth);
  const tilesDown = Math.ceil(page.height / page.tileHeight);
  const planes = page.planarConfiguration === 2 ? page.samplesPerPixel : 1;
  const expected = tilesAcross * tilesDown * planes;
  const declared = page.dir.entries.get(offsetsTag)?.count ?? 0;
  if (declared < expected) {
    throw new TiffStructureError(`image ${page.page} is ${page.width} x ${page.height} pixels but lists only ${declared} of its ${expected} tiles`);
  }
  const offsets = (await file.numbers(page.dir, offsetsTag)) ?? [];
  const byteCounts = (await file.numbers(page.dir, countsTag)) ?? [];
  if (byteCounts.length < expected) throw new TiffStructureError(`image ${page.page} lists the sizes of only ${byteCounts.length} of its ${expected} tiles`);
  for (let i = 0; i < expected; i++) {
    if (offsets[i] + byteCounts[i] > file.fileSize) {
      throw new TiffStructureError(
        `tile ${i} of image ${page.page} lies past the end of the file (byte ${offsets[i] + byteCounts[i]} of ${file.fileSize}): the file is truncated`,
      );
    }
  }
  return { offsets, byteCounts, tilesAcross, tilesDown };
}
