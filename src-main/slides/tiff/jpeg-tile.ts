/**
 * Turns one JPEG-compressed TIFF tile into a standalone JPEG file that any decoder (sharp, a
 * browser) reads with the same pixels libtiff would give.
 *
 * TIFF stores the Huffman and quantisation tables once per image (JPEGTables) and each tile as
 * an abbreviated stream; a standalone file is tables + tile. When the TIFF says the samples are
 * RGB (Aperio does this), the JPEG must not be colour-converted: an Adobe APP14 marker with
 * transform 0 tells libjpeg so, matching libtiff's "no conversion" for RGB photometric.
 */
import { TiffPhotometric } from './tiff-file';

const SOI = 0xd8;
const EOI = 0xd9;

/** APP14 "Adobe", version 100, flags 0/0, transform 0 (= RGB, no YCbCr conversion). */
const ADOBE_RGB_MARKER = Buffer.from([0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00]);

export function startsWithSoi(bytes: Buffer): boolean {
  return bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === SOI;
}

/** A standalone JPEG for `tile`, or null when the tile is not a JPEG stream (corrupt). */
export function standaloneJpeg(tile: Buffer, tables: Buffer | undefined, photometric: number): Buffer | null {
  if (!startsWithSoi(tile)) return null;
  const parts: Buffer[] = [tile.subarray(0, 2)];
  if (photometric === TiffPhotometric.Rgb) parts.push(ADOBE_RGB_MARKER);
  if (tables && startsWithSoi(tables)) {
    // Tables are themselves SOI ... EOI; keep what is between.
    const end = tables.length >= 4 && tables[tables.length - 2] === 0xff && tables[tables.length - 1] === EOI ? tables.length - 2 : tables.length;
    parts.push(tables.subarray(2, end));
  }
  parts.push(tile.subarray(2));
  return Buffer.concat(parts);
}
