/**
 * Label masks of glands for a region at a chosen downsample: 8-bit binary (0 / 255) or 16-bit
 * instance labels (1..65535 in the order given, 0 background), written as PNG or TIFF by sharp.
 *
 * Rasterisation samples each output pixel at its centre in level-0 coordinates
 * (x = region.x + (i + 0.5) * downsample) and fills by the even-odd rule along scanlines, so a
 * gland's holes (lumens) stay background without any special case.
 */
import sharp from 'sharp';
import type { Gland, Region } from '../api/contract';
import { ApiError } from '../api/errors';
import { bbox, bboxesMeet, type MultiPolygon } from './geometry';

/** Largest mask written in one go (pixels): 16-bit masks this size are 512 MiB. */
export const MAX_MASK_PIXELS = 2 ** 28;

export type MaskKind = 'binary' | 'instances';

export interface Raster {
  width: number;
  height: number;
  /** Uint8Array (binary: 0/255) or Uint16Array (instance labels). */
  data: Uint8Array | Uint16Array;
}

export function maskSize(region: Region, downsample: number): { width: number; height: number } {
  if (!(downsample > 0) || !Number.isFinite(downsample)) throw new ApiError('invalid-request', 'The downsample must be a positive number');
  if (!(region.width > 0 && region.height > 0)) throw new ApiError('invalid-request', 'The mask region must have a positive width and height');
  const width = Math.ceil(region.width / downsample);
  const height = Math.ceil(region.height / downsample);
  if (width * height > MAX_MASK_PIXELS) {
    throw new ApiError('too-large', `A ${width} x ${height} mask is too large; choose a smaller region or a larger downsample`);
  }
  return { width, height };
}

/**
 * Fills one geometry into `data` with `value` (even-odd across all its rings). Pixels are
 * rows of `width`; sampling at pixel centres as described above.
 */
function fillGeometry(geometry: MultiPolygon, region: Region, downsample: number, width: number, height: number, data: Uint8Array | Uint16Array, value: number): void {
  const [, minY, , maxY] = bbox(geometry);
  // Only the rows whose centres can fall inside the geometry.
  const rowStart = Math.max(0, Math.ceil((minY - region.y) / downsample - 0.5));
  const rowEnd = Math.min(height - 1, Math.floor((maxY - region.y) / downsample - 0.5));
  const edges: [number, number, number, number][] = [];
  for (const polygon of geometry) {
    for (const ring of polygon) {
      for (let i = 0; i + 1 < ring.length; i++) edges.push([ring[i][0], ring[i][1], ring[i + 1][0], ring[i + 1][1]]);
    }
  }
  const crossings: number[] = [];
  for (let row = rowStart; row <= rowEnd; row++) {
    const y = region.y + (row + 0.5) * downsample;
    crossings.length = 0;
    for (const [x1, y1, x2, y2] of edges) {
      // Half-open in y so that a vertex exactly on the scanline is counted once.
      if ((y1 <= y && y < y2) || (y2 <= y && y < y1)) crossings.push(x1 + ((y - y1) * (x2 - x1)) / (y2 - y1));
    }
    crossings.sort((a, b) => a - b);
    for (let k = 0; k + 1 < crossings.length; k += 2) {
      // Pixels whose centre x lies in [left, right).
      const first = Math.max(0, Math.ceil((crossings[k] - region.x) / downsample - 0.5));
      const last = Math.min(width - 1, Math.ceil((crossings[k + 1] - region.x) / downsample - 0.5) - 1);
      if (last >= first) data.fill(value, row * width + first, row * width + last + 1);
    }
  }
}

/** Rasterises glands over a region; instance labels follow the order of `glands`. */
export function rasterize(glands: readonly Pick<Gland, 'polygons'>[], region: Region, downsample: number, kind: MaskKind): Raster {
  const { width, height } = maskSize(region, downsample);
  if (kind === 'instances' && glands.length > 65_535) {
    throw new ApiError('too-large', `${glands.length} glands do not fit 16-bit instance labels (at most 65535); choose a smaller region`);
  }
  const data = kind === 'binary' ? new Uint8Array(width * height) : new Uint16Array(width * height);
  const regionBox: [number, number, number, number] = [region.x, region.y, region.x + region.width, region.y + region.height];
  glands.forEach((gland, index) => {
    if (!bboxesMeet(bbox(gland.polygons), regionBox)) return;
    fillGeometry(gland.polygons, region, downsample, width, height, data, kind === 'binary' ? 255 : index + 1);
  });
  return { width, height, data };
}

/** Encodes a raster as a single-channel PNG or TIFF (8- or 16-bit as the raster is). */
export async function encodeMask(raster: Raster, format: 'png' | 'tiff'): Promise<Buffer> {
  const sixteen = raster.data instanceof Uint16Array;
  // sharp takes a raw image's sample depth from the typed array's class (Uint16Array: ushort),
  // so the array goes in as it is, not wrapped in a Buffer.
  const image = sharp(raster.data, { raw: { width: raster.width, height: raster.height, channels: 1 } }).toColourspace(sixteen ? 'grey16' : 'b-w');
  return format === 'png' ? image.png({ compressionLevel: 6 }).toBuffer() : image.tiff({ compression: 'deflate' }).toBuffer();
}
