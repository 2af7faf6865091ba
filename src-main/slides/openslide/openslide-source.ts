/**
 * A SlideSource backed by OpenSlide, for the vendor formats sharp cannot read (NDPI, MIRAX,
 * Leica SCN, Ventana BIF, Hamamatsu VMS, Philips TIFF, Sakura, Trestle, JPEG 2000 SVS).
 *
 * OpenSlide errors are sticky: after one failed read a handle answers every later call with the
 * same error. So a failed read retires its handle (closed once its other reads finish) and the
 * next read opens a fresh one: one damaged tile fails alone, as in the TIFF readers.
 */
import sharp from 'sharp';
import { SlideError } from '../errors';
import { levelProperties, positiveNumber } from '../metadata';
import { argbPremultipliedToRgba } from '../pixels';
import { checkRegionRequest } from '../region-request';
import type { RegionPixels, SlideMetadata, SlideSource } from '../types';
import { loadOpenSlide, type OpenSlideHandle, type OpenSlideLibrary } from './library';

interface LiveHandle {
  handle: OpenSlideHandle;
  inFlight: number;
  retired: boolean;
}

export class OpenSlideSource implements SlideSource {
  private current: LiveHandle | null;
  private closed = false;

  private constructor(
    readonly path: string,
    readonly metadata: SlideMetadata,
    private readonly library: OpenSlideLibrary,
    handle: OpenSlideHandle,
  ) {
    this.current = { handle, inFlight: 0, retired: false };
  }

  static async open(path: string): Promise<OpenSlideSource> {
    const library = loadOpenSlide();
    const handle = openHandle(library, path);
    try {
      return new OpenSlideSource(path, readMetadata(library, handle), library, handle);
    } catch (error) {
      library.close(handle);
      throw error;
    }
  }

  async readRegion(x: number, y: number, level: number, w: number, h: number): Promise<RegionPixels> {
    checkRegionRequest(this.metadata, x, y, level, w, h);
    const argb = new Uint32Array(w * h);
    await this.withHandle(`the region at ${x},${y} (level ${level}, ${w} x ${h})`, (handle) =>
      this.library.readRegion(handle, argb, x, y, level, w, h),
    );
    return { data: argbPremultipliedToRgba(argb), width: w, height: h, channels: 4 };
  }

  async readAssociated(name: string): Promise<Buffer> {
    if (!this.metadata.associatedImages.includes(name)) throw new SlideError('not-found', `This slide has no associated image called "${name}"`);
    let size = { width: 0, height: 0 };
    let argb = new Uint32Array(0);
    await this.withHandle(`the ${name} image`, async (handle) => {
      size = this.library.associatedImageDimensions(handle, name);
      argb = new Uint32Array(size.width * size.height);
      await this.library.readAssociatedImage(handle, name, argb);
    });
    return sharp(argbPremultipliedToRgba(argb), { raw: { width: size.width, height: size.height, channels: 4 } }).png().toBuffer();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.current) this.retire(this.current);
    this.current = null;
  }

  /** Runs a read on a healthy handle and turns an OpenSlide error into 'tile-failed' for this read only. */
  private async withHandle(what: string, read: (handle: OpenSlideHandle) => Promise<void>): Promise<void> {
    if (this.closed) throw new SlideError('not-found', 'This slide has been closed; open it again');
    const live = (this.current ??= { handle: openHandle(this.library, this.path), inFlight: 0, retired: false });
    live.inFlight++;
    let failure: string | null = null;
    try {
      await read(live.handle);
      failure = this.library.error(live.handle);
    } finally {
      live.inFlight--;
    }
    if (failure) {
      if (this.current === live) this.current = null;
      this.retire(live);
      throw new SlideError('tile-failed', `OpenSlide could not read ${what} of this slide (${failure}). The rest of the slide is readable.`);
    }
    if (live.retired && live.inFlight === 0) this.library.close(live.handle);
  }

  /** Closes a handle now if idle, else when its last read finishes (closing under a read would crash). */
  private retire(live: LiveHandle): void {
    if (live.retired) return;
    live.retired = true;
    if (live.inFlight === 0) this.library.close(live.handle);
  }
}

function openHandle(library: OpenSlideLibrary, path: string): OpenSlideHandle {
  const handle = library.open(path);
  if (!handle) throw new SlideError('unsupported-format', 'OpenSlide does not recognise this file as a whole-slide image');
  const error = library.error(handle);
  if (error) {
    library.close(handle);
    throw new SlideError('corrupt-slide', `This slide is damaged or incomplete; OpenSlide says: ${error}`);
  }
  return handle;
}

function readMetadata(library: OpenSlideLibrary, handle: OpenSlideHandle): SlideMetadata {
  const properties: Record<string, string> = {};
  for (const name of library.propertyNames(handle)) properties[name] = library.propertyValue(handle, name) ?? '';
  const count = library.levelCount(handle);
  if (count < 1) throw new SlideError('corrupt-slide', `This slide has no readable levels (OpenSlide: ${library.error(handle) ?? 'level count ' + count})`);
  const levels = Array.from({ length: count }, (_, level) => ({
    ...library.levelDimensions(handle, level),
    downsample: library.levelDownsample(handle, level),
  }));
  const mppX = positiveNumber(properties['openslide.mpp-x']);
  const mppY = positiveNumber(properties['openslide.mpp-y']);
  return {
    format: 'openslide',
    vendor: properties['openslide.vendor'] ?? 'unknown',
    width: levels[0].width,
    height: levels[0].height,
    levels,
    mpp: mppX !== null && mppY !== null ? [mppX, mppY] : null,
    objectivePower: positiveNumber(properties['openslide.objective-power']),
    associatedImages: library.associatedImageNames(handle),
    properties: { ...levelProperties(levels), ...properties },
  };
}
