/**
 * Wraps the bytes of one tile in a minimal TIFF that holds only that tile, so that sharp
 * (libtiff) can decode any tile of any image, whatever its codec (LZW, deflate, packbits, zstd,
 * webp...) and wherever the image sits (main chain or SubIFD: sharp's own `subifd` input option
 * is silently ignored by this build). The tags that say how samples are coded are copied byte for
 * byte in the source's byte order; the layout tags describe a single tile.
 */
import { TiffTag, type TiffDirectory, type TiffFile } from './tiff-file';
import type { TiffPage } from './tiff-page';

/** Tags that describe how the samples are coded; everything else is layout or annotation. */
const CODING_TAGS: readonly number[] = [
  TiffTag.BitsPerSample,
  TiffTag.Compression,
  TiffTag.Photometric,
  266, // FillOrder
  TiffTag.SamplesPerPixel,
  TiffTag.PlanarConfiguration,
  317, // Predictor
  320, // ColorMap
  TiffTag.ExtraSamples,
  TiffTag.SampleFormat,
  TiffTag.JPEGTables,
  TiffTag.YCbCrSubsampling,
  531, // YCbCrPositioning
  532, // ReferenceBlackWhite
];

/** Field types a classic TIFF can hold (LONG8 and friends are BigTIFF-only). */
const CLASSIC_TYPES = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);

interface Field {
  tag: number;
  type: number;
  count: number;
  value: Buffer;
}

export async function singleTileTiff(file: TiffFile, page: TiffPage, tile: Buffer): Promise<Buffer> {
  const le = file.littleEndian;
  const fields: Field[] = [];
  for (const tag of CODING_TAGS) {
    const field = await copyField(file, page.dir, tag);
    if (field) fields.push(field);
  }
  fields.push(long(le, TiffTag.ImageWidth, page.tileWidth));
  fields.push(long(le, TiffTag.ImageLength, page.tileHeight));
  fields.push(long(le, TiffTag.TileWidth, page.tileWidth));
  fields.push(long(le, TiffTag.TileLength, page.tileHeight));
  fields.push(long(le, TiffTag.TileByteCounts, tile.length));
  const offsetsField = long(le, TiffTag.TileOffsets, 0); // patched below, once the layout is known
  fields.push(offsetsField);
  fields.sort((a, b) => a.tag - b.tag);

  // Layout: header (8) | IFD: count (2) + 12 per entry + next (4) | out-of-line values | tile.
  const ifdSize = 2 + fields.length * 12 + 4;
  let valuesSize = 0;
  for (const f of fields) if (f.value.length > 4) valuesSize += f.value.length + (f.value.length % 2);
  const tileOffset = 8 + ifdSize + valuesSize;
  writeUint(offsetsField.value, 0, tileOffset, 4, le);

  const out = Buffer.alloc(tileOffset + tile.length);
  out.write(le ? 'II' : 'MM', 0, 'latin1');
  writeUint(out, 2, 42, 2, le);
  writeUint(out, 4, 8, 4, le);
  writeUint(out, 8, fields.length, 2, le);
  let valueAt = 8 + ifdSize;
  fields.forEach((f, i) => {
    const entry = 10 + i * 12;
    writeUint(out, entry, f.tag, 2, le);
    writeUint(out, entry + 2, f.type, 2, le);
    writeUint(out, entry + 4, f.count, 4, le);
    if (f.value.length <= 4) {
      f.value.copy(out, entry + 8);
    } else {
      writeUint(out, entry + 8, valueAt, 4, le);
      f.value.copy(out, valueAt);
      valueAt += f.value.length + (f.value.length % 2); // TIFF values start on word boundaries
    }
  });
  tile.copy(out, tileOffset);
  return out;
}

async function copyField(file: TiffFile, dir: TiffDirectory, tag: number): Promise<Field | null> {
  const entry = dir.entries.get(tag);
  if (!entry || !CLASSIC_TYPES.has(entry.type)) return null;
  return { tag, type: entry.type, count: entry.count, value: await file.read(entry.valueOffset, entry.byteLength) };
}

function long(le: boolean, tag: number, value: number): Field {
  const bytes = Buffer.alloc(4);
  writeUint(bytes, 0, value, 4, le);
  return { tag, type: 4, count: 1, value: bytes };
}

function writeUint(buffer: Buffer, at: number, value: number, size: 2 | 4, le: boolean): void {
  if (size === 2) {
    if (le) buffer.writeUInt16LE(value, at);
    else buffer.writeUInt16BE(value, at);
  } else if (le) buffer.writeUInt32LE(value, at);
  else buffer.writeUInt32BE(value, at);
}
