/**
 * A minimal TIFF and BigTIFF directory reader: enough to classify a slide, list its pages and
 * locate its tiles, without decoding pixels. It reads only what it is asked for (IFD entries,
 * then single tag values), so a header that claims a billion-pixel image costs a few reads.
 *
 * Everything that does not fit the file (an IFD or a value past the end, an IFD loop) is a
 * TiffStructureError, which readers turn into a 'corrupt-slide' error with context.
 */
import { open, type FileHandle } from 'node:fs/promises';

export const TiffTag = {
  NewSubfileType: 254,
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  Photometric: 262,
  ImageDescription: 270,
  Make: 271,
  Model: 272,
  StripOffsets: 273,
  SamplesPerPixel: 277,
  RowsPerStrip: 278,
  StripByteCounts: 279,
  XResolution: 282,
  YResolution: 283,
  PlanarConfiguration: 284,
  ResolutionUnit: 296,
  Software: 305,
  DateTime: 306,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  SubIFDs: 330,
  ExtraSamples: 338,
  SampleFormat: 339,
  JPEGTables: 347,
  YCbCrSubsampling: 530,
  XMP: 700,
  /** Hamamatsu NDPI's private marker tag (OpenSlide detects NDPI by it). */
  NdpiFormatFlag: 65420,
} as const;

export const TiffCompression = { None: 1, Lzw: 5, OldJpeg: 6, Jpeg: 7, Deflate: 8, PackBits: 32773, AperioJp2kYCbCr: 33003, AperioJp2kRgb: 33005 } as const;
export const TiffPhotometric = { MinIsWhite: 0, MinIsBlack: 1, Rgb: 2, Palette: 3, YCbCr: 6 } as const;

/** Bytes per value of each TIFF field type (TIFF 6.0 + BigTIFF). 0 = unknown type. */
const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8 };

/** More directories than any real slide has (a few levels plus label/macro); stops IFD loops. */
const MAX_DIRECTORIES = 1024;

export class TiffStructureError extends Error {
  override name = 'TiffStructureError';
}

export interface TiffEntry {
  tag: number;
  type: number;
  count: number;
  /** Absolute file offset of the value bytes (inline values point into the IFD itself). */
  valueOffset: number;
  byteLength: number;
}

export interface TiffDirectory {
  /** File offset of this IFD. */
  offset: number;
  entries: Map<number, TiffEntry>;
  /** File offset of the next IFD in its chain, 0 at the end. */
  nextOffset: number;
}

export class TiffFile {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    readonly fileSize: number,
    readonly littleEndian: boolean,
    readonly bigTiff: boolean,
    /** The main IFD chain, in file order (sharp's `page` index). */
    readonly directories: TiffDirectory[],
  ) {}

  /** True when `head` starts with a TIFF or BigTIFF signature. */
  static hasSignature(head: Buffer): boolean {
    if (head.length < 4) return false;
    const order = head.toString('latin1', 0, 2);
    if (order !== 'II' && order !== 'MM') return false;
    const magic = order === 'II' ? head.readUInt16LE(2) : head.readUInt16BE(2);
    return magic === 42 || magic === 43;
  }

  /** Opens the file and reads the main IFD chain (entries only, no values). */
  static async open(path: string): Promise<TiffFile> {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      const header = await readExactly(handle, 0, Math.min(16, size), size);
      if (!TiffFile.hasSignature(header)) throw new TiffStructureError('it does not start with a TIFF signature');
      const littleEndian = header.toString('latin1', 0, 2) === 'II';
      const bigTiff = (littleEndian ? header.readUInt16LE(2) : header.readUInt16BE(2)) === 43;
      if (bigTiff && header.length < 16) throw new TiffStructureError('its BigTIFF header is cut short');
      const file = new TiffFile(path, handle, size, littleEndian, bigTiff, []);
      const first = bigTiff ? file.readOffset(header, 8) : file.readOffset(header, 4);
      await file.readChain(first, file.directories);
      if (file.directories.length === 0) throw new TiffStructureError('it has no image directory');
      return file;
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  /** Reads `length` bytes at `offset`; a range past the end of the file is a structure error. */
  async read(offset: number, length: number): Promise<Buffer> {
    return readExactly(this.handle, offset, length, this.fileSize);
  }

  /** The SubIFDs of a directory (OME-TIFF style pyramids), or [] when it has none. */
  async subDirectories(dir: TiffDirectory): Promise<TiffDirectory[]> {
    const offsets = await this.numbers(dir, TiffTag.SubIFDs);
    const result: TiffDirectory[] = [];
    for (const offset of offsets ?? []) result.push(await this.readDirectory(offset));
    return result;
  }

  /** A numeric tag's values (rationals as floats), or undefined when the tag is absent. */
  async numbers(dir: TiffDirectory, tag: number): Promise<number[] | undefined> {
    const entry = dir.entries.get(tag);
    if (!entry) return undefined;
    const bytes = await this.read(entry.valueOffset, entry.byteLength);
    return this.decodeNumbers(bytes, entry.type, entry.count);
  }

  /** The first value of a numeric tag, or `fallback`. */
  async number(dir: TiffDirectory, tag: number, fallback: number): Promise<number>;
  async number(dir: TiffDirectory, tag: number): Promise<number | undefined>;
  async number(dir: TiffDirectory, tag: number, fallback?: number): Promise<number | undefined> {
    const values = await this.numbers(dir, tag);
    return values && values.length > 0 ? values[0] : fallback;
  }

  /** An ASCII tag as a string (trailing NULs dropped), or undefined. Capped at `maxBytes`. */
  async string(dir: TiffDirectory, tag: number, maxBytes = 1 << 20): Promise<string | undefined> {
    const entry = dir.entries.get(tag);
    if (!entry) return undefined;
    const bytes = await this.read(entry.valueOffset, Math.min(entry.byteLength, maxBytes));
    return bytes.toString('latin1').replace(/\0+$/, '');
  }

  /** A tag's raw value bytes (JPEGTables, XMP), or undefined. */
  async bytes(dir: TiffDirectory, tag: number): Promise<Buffer | undefined> {
    const entry = dir.entries.get(tag);
    return entry ? this.read(entry.valueOffset, entry.byteLength) : undefined;
  }

  private async readChain(firstOffset: number, out: TiffDirectory[]): Promise<void> {
    const seen = new Set<number>();
    let offset = firstOffset;
    while (offset !== 0) {
      if (seen.has(offset)) throw new TiffStructureError('its image directories form a loop');
      if (out.length >= MAX_DIRECTORIES) throw new TiffStructureError(`it has more than ${MAX_DIRECTORIES} image directories`);
      seen.add(offset);
      const dir = await this.readDirectory(offset);
      out.push(dir);
      offset = dir.nextOffset;
    }
  }

  private async readDirectory(offset: number): Promise<TiffDirectory> {
    const countSize = this.bigTiff ? 8 : 2;
    const entrySize = this.bigTiff ? 20 : 12;
    const countBytes = await this.read(offset, countSize);
    const count = this.bigTiff ? this.readOffset(countBytes, 0) : this.u16(countBytes, 0);
    if (count === 0 || count > 4096) throw new TiffStructureError(`an image directory claims ${count} entries`);
    const raw = await this.read(offset + countSize, count * entrySize);
    const entries = new Map<number, TiffEntry>();
    for (let i = 0; i < count; i++) {
      const at = i * entrySize;
      const tag = this.u16(raw, at);
      const type = this.u16(raw, at + 2);
      const valueCount = this.bigTiff ? this.readOffset(raw, at + 4) : this.u32(raw, at + 4);
      const size = TYPE_SIZE[type] ?? 0;
      if (size === 0) continue; // Unknown field types are skipped, as TIFF 6.0 asks readers to.
      const byteLength = size * valueCount;
      const inlineSize = this.bigTiff ? 8 : 4;
      const fieldAt = offset + countSize + at + (this.bigTiff ? 12 : 8);
      const valueOffset = byteLength <= inlineSize ? fieldAt : this.bigTiff ? this.readOffset(raw, at + 12) : this.u32(raw, at + 8);
      if (valueOffset + byteLength > this.fileSize) {
        throw new TiffStructureError(`tag ${tag} points past the end of the file (the file is ${this.fileSize} bytes; it may be truncated)`);
      }
      entries.set(tag, { tag, type, count: valueCount, valueOffset, byteLength });
    }
    const next = await this.read(offset + countSize + count * entrySize, this.bigTiff ? 8 : 4);
    return { offset, entries, nextOffset: this.readOffset(next, 0) };
  }

  private decodeNumbers(bytes: Buffer, type: number, count: number): number[] {
    const out = new Array<number>(count);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const le = this.littleEndian;
    for (let i = 0; i < count; i++) {
      switch (type) {
        case 1: case 7: out[i] = view.getUint8(i); break;
        case 6: out[i] = view.getInt8(i); break;
        case 3: out[i] = view.getUint16(i * 2, le); break;
        case 8: out[i] = view.getInt16(i * 2, le); break;
        case 4: case 13: out[i] = view.getUint32(i * 4, le); break;
        case 9: out[i] = view.getInt32(i * 4, le); break;
        case 5: out[i] = view.getUint32(i * 8, le) / (view.getUint32(i * 8 + 4, le) || 1); break;
        case 10: out[i] = view.getInt32(i * 8, le) / (view.getInt32(i * 8 + 4, le) || 1); break;
        case 11: out[i] = view.getFloat32(i * 4, le); break;
        case 12: out[i] = view.getFloat64(i * 8, le); break;
        case 16: case 18: out[i] = Number(view.getBigUint64(i * 8, le)); break;
        case 17: out[i] = Number(view.getBigInt64(i * 8, le)); break;
        default: throw new TiffStructureError(`a tag has type ${type}, which is not numeric`);
      }
    }
    return out;
  }

  private readOffset(bytes: Buffer, at: number): number {
    if (!this.bigTiff) return this.u32(bytes, at);
    const value = this.littleEndian ? bytes.readBigUInt64LE(at) : bytes.readBigUInt64BE(at);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new TiffStructureError('an offset is larger than any file');
    return Number(value);
  }

  private u16(bytes: Buffer, at: number): number {
    return this.littleEndian ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at);
  }

  private u32(bytes: Buffer, at: number): number {
    return this.littleEndian ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at);
  }
}

async function readExactly(handle: FileHandle, offset: number, length: number, fileSize: number): Promise<Buffer> {
  if (offset < 0 || length < 0 || offset + length > fileSize) {
    throw new TiffStructureError(`it refers to byte ${offset + length} but the file ends at byte ${fileSize}: the file is truncated`);
  }
  const buffer = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
    if (bytesRead === 0) throw new TiffStructureError(`the file ended early at byte ${offset + done}`);
    done += bytesRead;
  }
  return buffer;
}
