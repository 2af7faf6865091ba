/**
 * Ordinary images as one-level slides: PNG, JPEG, BMP, GIF, WebP and untiled TIFF, of any name
 * except a whole-slide extension (a PNG called .svs was renamed by mistake and is refused with a
 * message saying so). Untiled images are decoded whole, so they are capped: a header claiming
 * 10^6 x 10^6 pixels is refused as 'too-large' before anything is allocated.
 */
import { open as openFile, readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { SlideError, describeError } from '../errors';
import { describeFileKind, renamedImageMessage, sniffFileKind, type FileKind } from '../file-kind';
import { decodeBmp, readBmpHeader } from '../image/bmp';
import { PlainImageSource, plainImageLevels } from '../image/plain-image-source';
import { levelProperties } from '../metadata';
import { toRgba } from '../pixels';
import { openTiffOrThrow } from '../tiff/open-tiff';
import { TiffTag } from '../tiff/tiff-file';
import type { DetectResult, SlideFormat, SlideMetadata, SlideSource } from '../types';

/** 64 Mpx (256 MiB of RGBA): larger images must be tiled pyramids, read region by region. */
export const MAX_PLAIN_IMAGE_PIXELS = 64 * 1024 * 1024;

const IMAGE_KINDS: ReadonlySet<FileKind> = new Set(['png', 'jpeg', 'bmp', 'gif', 'webp', 'tiff']);

export const plainImageFormat: SlideFormat = {
  name: 'image',
  vendor: 'image',
  detect,
  open,
};

async function detect(path: string, head: Buffer): Promise<DetectResult> {
  const kind = sniffFileKind(head);
  if (!IMAGE_KINDS.has(kind)) return { ok: false, reason: `it is ${describeFileKind(kind)}` };
  const renamed = renamedImageMessage(path, kind);
  if (renamed) return { ok: false, reason: renamed };
  return { ok: true };
}

async function open(path: string): Promise<SlideSource> {
  const head = await readHead(path, 256);
  const kind = sniffFileKind(head);
  if (kind === 'tiff') await refuseLargeTiff(path);
  const decoded = kind === 'bmp' ? await decodeBmpFile(path, head) : await decodeWithSharp(path, kind);
  const levels = plainImageLevels(decoded.width, decoded.height);
  const metadata: SlideMetadata = {
    format: 'image',
    vendor: 'image',
    width: decoded.width,
    height: decoded.height,
    levels,
    mpp: decoded.mpp,
    objectivePower: null,
    associatedImages: [],
    properties: {
      ...levelProperties(levels),
      'openslide.vendor': 'image',
      'image.format': kind,
      'image.has-alpha': String(decoded.hasAlpha),
      ...(decoded.mpp ? { 'openslide.mpp-x': String(decoded.mpp[0]), 'openslide.mpp-y': String(decoded.mpp[1]) } : {}),
    },
  };
  return new PlainImageSource(path, metadata, decoded.data);
}

interface DecodedImage {
  data: Buffer;
  width: number;
  height: number;
  hasAlpha: boolean;
  mpp: [number, number] | null;
}

function refuseIfTooLarge(width: number, height: number): void {
  if (width * height <= MAX_PLAIN_IMAGE_PIXELS) return;
  throw new SlideError(
    'too-large',
    `This image claims ${width} x ${height} pixels without tiles or a pyramid, too large to open whole ` +
      `(the limit for untiled images is ${MAX_PLAIN_IMAGE_PIXELS / (1024 * 1024)} megapixels). ` +
      'Convert it to a tiled pyramidal TIFF, e.g. vips tiffsave IN.tif OUT.tif --tile --pyramid --compression jpeg',
  );
}

/** Resolution a microscope could have produced (0.05-50 um/px); 72 dpi screen defaults are ignored. */
function plausibleMpp(mpp: number): [number, number] | null {
  return mpp >= 0.05 && mpp <= 50 ? [mpp, mpp] : null;
}

async function readHead(path: string, length: number): Promise<Buffer> {
  const handle = await openFile(path, 'r');
  try {
    const head = Buffer.alloc(length);
    const { bytesRead } = await handle.read(head, 0, length, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** TIFF sizes come from our own header reader, before libtiff sees a possibly hostile file. */
async function refuseLargeTiff(path: string): Promise<void> {
  const file = await openTiffOrThrow(path, 'TIFF');
  try {
    const first = file.directories[0];
    refuseIfTooLarge(await file.number(first, TiffTag.ImageWidth, 0), await file.number(first, TiffTag.ImageLength, 0));
  } finally {
    await file.close();
  }
}

/** The header is checked against the pixel cap before the file is read whole. */
async function decodeBmpFile(path: string, head: Buffer): Promise<DecodedImage> {
  const header = readBmpHeader(head);
  refuseIfTooLarge(header.width, header.height);
  const image = decodeBmp(await readFile(path));
  return { ...image, mpp: header.xPixelsPerMetre > 0 ? plausibleMpp(1e6 / header.xPixelsPerMetre) : null };
}

async function decodeWithSharp(path: string, kind: FileKind): Promise<DecodedImage> {
  let info: sharp.Metadata;
  try {
    info = await sharp(path, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new SlideError('corrupt-slide', `This ${kind.toUpperCase()} image is damaged and cannot be read (${describeError(error)})`, { cause: error });
  }
  const width = info.width ?? 0;
  const height = info.height ?? 0;
  if (!(width > 0 && height > 0)) throw new SlideError('corrupt-slide', `This ${kind.toUpperCase()} image has no size`);
  refuseIfTooLarge(width, height);
  try {
    // sRGB 8-bit whatever the file holds (16-bit PNG, greyscale, CMYK JPEG), plus alpha.
    const { data, info: out } = await sharp(path, { limitInputPixels: MAX_PLAIN_IMAGE_PIXELS, failOn: 'error' })
      .toColourspace('srgb')
      .ensureAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return {
      data: toRgba(data, out.channels),
      width: out.width,
      height: out.height,
      hasAlpha: info.hasAlpha === true,
      mpp: info.density ? plausibleMpp(25_400 / info.density) : null,
    };
  } catch (error) {
    throw new SlideError('corrupt-slide', `This ${kind.toUpperCase()} image is damaged and cannot be read (${describeError(error)})`, { cause: error });
  }
}
