/**
 * A small BMP decoder (sharp's libvips build has no BMP loader, and GlaS ships as BMP).
 * Handles uncompressed 1/4/8-bit palette, 16/24/32-bit, BITFIELDS masks, bottom-up and
 * top-down rows. RLE-compressed BMPs are refused with a clear message.
 */
import { SlideError } from '../errors';

export interface BmpHeader {
  width: number;
  height: number;
  /** Rows stored top row first (negative height in the file). */
  topDown: boolean;
  bitsPerPixel: number;
  compression: number;
  pixelOffset: number;
  headerSize: number;
  /** Pixels per metre, 0 when the file does not say. */
  xPixelsPerMetre: number;
  yPixelsPerMetre: number;
}

const BI_RGB = 0;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;

export function readBmpHeader(bytes: Buffer): BmpHeader {
  if (bytes.length < 26 || bytes.toString('latin1', 0, 2) !== 'BM') throw new SlideError('corrupt-slide', 'This BMP file has no valid header');
  const pixelOffset = bytes.readUInt32LE(10);
  const headerSize = bytes.readUInt32LE(14);
  if (headerSize === 12) {
    return { width: bytes.readUInt16LE(18), height: bytes.readUInt16LE(20), topDown: false, bitsPerPixel: bytes.readUInt16LE(24), compression: BI_RGB, pixelOffset, headerSize, xPixelsPerMetre: 0, yPixelsPerMetre: 0 };
  }
  if (headerSize < 40 || bytes.length < 14 + 40) throw new SlideError('corrupt-slide', `This BMP file has an unknown header (${headerSize} bytes)`);
  const rawHeight = bytes.readInt32LE(22);
  return {
    width: bytes.readInt32LE(18),
    height: Math.abs(rawHeight),
    topDown: rawHeight < 0,
    bitsPerPixel: bytes.readUInt16LE(28),
    compression: bytes.readUInt32LE(30),
    pixelOffset,
    headerSize,
    xPixelsPerMetre: bytes.readInt32LE(38),
    yPixelsPerMetre: bytes.readInt32LE(42),
  };
}

/** Decodes a whole BMP file to RGBA. */
export function decodeBmp(bytes: Buffer): { data: Buffer; width: number; height: number; hasAlpha: boolean } {
  const header = readBmpHeader(bytes);
  const { width, height, bitsPerPixel: bpp, compression } = header;
  if (!(width > 0 && height > 0)) throw new SlideError('corrupt-slide', `This BMP file claims a size of ${width} x ${height}`);
  if (compression !== BI_RGB && compression !== BI_BITFIELDS && compression !== BI_ALPHABITFIELDS) {
    throw new SlideError('unsupported-format', 'This BMP file is compressed (RLE), which Semi-MoE Studio does not read; save it as PNG or TIFF');
  }
  if (![1, 4, 8, 16, 24, 32].includes(bpp)) throw new SlideError('unsupported-format', `This BMP file uses ${bpp} bits per pixel, which Semi-MoE Studio does not read`);
  const stride = Math.ceil((width * bpp) / 32) * 4;
  if (header.pixelOffset + stride * height > bytes.length) throw new SlideError('corrupt-slide', 'This BMP file is truncated: its pixel rows end past the end of the file');

  const masks = channelMasks(bytes, header);
  const palette = bpp <= 8 ? readPalette(bytes, header) : [];
  const out = Buffer.alloc(width * height * 4);
  let hasAlpha = false;
  for (let row = 0; row < height; row++) {
    const srcRow = header.pixelOffset + (header.topDown ? row : height - 1 - row) * stride;
    for (let x = 0; x < width; x++) {
      const o = (row * width + x) * 4;
      if (bpp <= 8) {
        const perByte = 8 / bpp;
        const byte = bytes[srcRow + Math.floor(x / perByte)];
        const shift = 8 - bpp * ((x % perByte) + 1);
        const colour = palette[(byte >> shift) & ((1 << bpp) - 1)] ?? [0, 0, 0];
        out[o] = colour[0];
        out[o + 1] = colour[1];
        out[o + 2] = colour[2];
        out[o + 3] = 255;
      } else if (bpp === 24) {
        const s = srcRow + x * 3;
        out[o] = bytes[s + 2];
        out[o + 1] = bytes[s + 1];
        out[o + 2] = bytes[s];
        out[o + 3] = 255;
      } else {
        const value = bpp === 16 ? bytes.readUInt16LE(srcRow + x * 2) : bytes.readUInt32LE(srcRow + x * 4);
        out[o] = maskedChannel(value, masks.red);
        out[o + 1] = maskedChannel(value, masks.green);
        out[o + 2] = maskedChannel(value, masks.blue);
        out[o + 3] = masks.alpha ? maskedChannel(value, masks.alpha) : 255;
        if (out[o + 3] !== 255) hasAlpha = true;
      }
    }
  }
  return { data: out, width, height, hasAlpha };
}

interface Masks {
  red: number;
  green: number;
  blue: number;
  alpha: number;
}

/** BITFIELDS masks from the header (V4/V5) or right after it (V3); defaults for BI_RGB. */
function channelMasks(bytes: Buffer, header: BmpHeader): Masks {
  if (header.compression === BI_RGB) {
    return header.bitsPerPixel === 16
      ? { red: 0x7c00, green: 0x03e0, blue: 0x001f, alpha: 0 }
      : { red: 0xff0000, green: 0x00ff00, blue: 0x0000ff, alpha: 0 };
  }
  const at = 14 + 40;
  const hasAlphaMask = header.headerSize >= 56 || header.compression === BI_ALPHABITFIELDS;
  return {
    red: bytes.readUInt32LE(at),
    green: bytes.readUInt32LE(at + 4),
    blue: bytes.readUInt32LE(at + 8),
    alpha: hasAlphaMask ? bytes.readUInt32LE(at + 12) : 0,
  };
}

/** The masked bits of `value`, scaled to 0..255. */
function maskedChannel(value: number, mask: number): number {
  if (!mask) return 0;
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  const max = mask >>> shift;
  return Math.round((((value & mask) >>> shift) * 255) / max);
}

function readPalette(bytes: Buffer, header: BmpHeader): [number, number, number][] {
  const entrySize = header.headerSize === 12 ? 3 : 4;
  const declared = header.headerSize >= 40 ? bytes.readUInt32LE(46) : 0;
  const count = declared || 1 << header.bitsPerPixel;
  const start = 14 + header.headerSize + (header.compression === BI_BITFIELDS && header.headerSize === 40 ? 12 : 0);
  const palette: [number, number, number][] = [];
  for (let i = 0; i < count && start + i * entrySize + 2 < bytes.length; i++) {
    const at = start + i * entrySize;
    palette.push([bytes[at + 2], bytes[at + 1], bytes[at]]);
  }
  return palette;
}
