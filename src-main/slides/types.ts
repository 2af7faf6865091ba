/**
 * The slide layer's public types. Coordinates are level-0 pixels unless a name says otherwise.
 */
export { SlideError, type SlideErrorCode } from './errors';

export interface SlideLevelInfo {
  width: number;
  height: number;
  /** level-0 width / this level's width; may be non-integer (Aperio: 4.000457...). */
  downsample: number;
}

export interface SlideMetadata {
  /** Reader name, e.g. 'aperio-svs', 'generic-tiff', 'openslide', 'image'. */
  format: string;
  /** Scanner vendor as OpenSlide names it ('aperio', 'hamamatsu', ...) or 'generic'/'image'. */
  vendor: string;
  width: number;
  height: number;
  levels: SlideLevelInfo[];
  /** Micrometres per level-0 pixel [x, y], or null when the file does not say. */
  mpp: [number, number] | null;
  objectivePower: number | null;
  associatedImages: string[];
  /** Raw key/value properties, OpenSlide-style names where they exist ('openslide.mpp-x'). */
  properties: Record<string, string>;
}

/** Raw pixels of a region: RGBA, 8 bits, not premultiplied, row-major, no padding. */
export interface RegionPixels {
  data: Buffer;
  width: number;
  height: number;
  channels: 4;
}

export interface SlideSource {
  readonly path: string;
  readonly metadata: SlideMetadata;
  /**
   * OpenSlide read_region semantics: top-left (x, y) in level-0 pixels, w x h pixels AT `level`;
   * outside the slide is transparent (0,0,0,0). Returns RGBA, not premultiplied (the pixels
   * openslide-write-png writes).
   */
  readRegion(x: number, y: number, level: number, w: number, h: number): Promise<RegionPixels>;
  /** An associated image (label, macro, thumbnail...) encoded as PNG. */
  readAssociated(name: string): Promise<Buffer>;
  close(): Promise<void>;
}

export type DetectResult = { ok: true } | { ok: false; reason: string };

/** One reader in the registry: `detect` is cheap and says why not; `open` is strict and throws SlideError. */
export interface SlideFormat {
  name: string;
  vendor: string;
  detect(path: string, head: Buffer): Promise<DetectResult>;
  open(path: string): Promise<SlideSource>;
}

/**
 * Optional capability of sources whose file tiles are plain JPEG: the Deep Zoom tiler serves such
 * a tile as is (no decode, no re-encode) when it lines up exactly with a viewer tile.
 */
export interface NativeJpegTiles {
  nativeJpegTileSize(level: number): { width: number; height: number } | null;
  readNativeJpegTile(level: number, tx: number, ty: number): Promise<Buffer | null>;
}

export function hasNativeJpegTiles(source: SlideSource): source is SlideSource & NativeJpegTiles {
  const candidate = source as Partial<NativeJpegTiles>;
  return typeof candidate.nativeJpegTileSize === 'function' && typeof candidate.readNativeJpegTile === 'function';
}
