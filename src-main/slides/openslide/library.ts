/**
 * The OpenSlide C library (libopenslide.so.0, Debian's libopenslide0), bound with koffi.
 * Loaded on first use and only once; when it is missing, callers get a 'missing-library'
 * SlideError naming the package to install. Pixel reads run on koffi's worker threads (.async),
 * so decoding never blocks the main process; OpenSlide handles are thread-safe for reads.
 */
import koffi from 'koffi';
import { SlideError, describeError } from '../errors';

const LIBRARY_NAMES = ['libopenslide.so.0', 'libopenslide.so.1', 'libopenslide.so', 'libopenslide.1.dylib', 'libopenslide.0.dylib', 'libopenslide-1.dll', 'libopenslide-0.dll'];

export const MISSING_OPENSLIDE_MESSAGE =
  'libopenslide is not installed, so this vendor slide (NDPI, MRXS, SCN, BIF, VMS, Philips TIFF...) cannot be read. ' +
  'On Debian or Ubuntu: sudo apt-get install libopenslide0';

/** Opaque openslide_t pointer as koffi hands it out. */
export type OpenSlideHandle = { readonly __openslide: unique symbol };

type AsyncCall = (...args: unknown[]) => void;
type NativeFunction = ((...args: unknown[]) => unknown) & { async: AsyncCall };

export interface OpenSlideLibrary {
  version: string;
  /** The vendor OpenSlide would use for the file ('hamamatsu', 'generic-tiff'...), or null. */
  detectVendor(path: string): string | null;
  /** A handle (check error()!), or null when OpenSlide does not recognise the file. */
  open(path: string): OpenSlideHandle | null;
  error(handle: OpenSlideHandle): string | null;
  levelCount(handle: OpenSlideHandle): number;
  levelDimensions(handle: OpenSlideHandle, level: number): { width: number; height: number };
  levelDownsample(handle: OpenSlideHandle, level: number): number;
  propertyNames(handle: OpenSlideHandle): string[];
  propertyValue(handle: OpenSlideHandle, name: string): string | null;
  associatedImageNames(handle: OpenSlideHandle): string[];
  associatedImageDimensions(handle: OpenSlideHandle, name: string): { width: number; height: number };
  /** Premultiplied ARGB words into `dest` (w * h). */
  readRegion(handle: OpenSlideHandle, dest: Uint32Array, x: number, y: number, level: number, w: number, h: number): Promise<void>;
  readAssociatedImage(handle: OpenSlideHandle, name: string, dest: Uint32Array): Promise<void>;
  close(handle: OpenSlideHandle): void;
}

let loaded: OpenSlideLibrary | null | undefined;
let loadFailure = '';

/** The library, or null when it cannot be loaded (remembered: the lookup is not retried). */
export function tryLoadOpenSlide(): OpenSlideLibrary | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  const failures: string[] = [];
  for (const name of LIBRARY_NAMES) {
    try {
      loaded = bind(koffi.load(name));
      break;
    } catch (error) {
      failures.push(`${name}: ${describeError(error)}`);
    }
  }
  if (!loaded) loadFailure = failures[0] ?? '';
  return loaded;
}

/** The library, or a 'missing-library' SlideError that says how to install it. */
export function loadOpenSlide(): OpenSlideLibrary {
  const library = tryLoadOpenSlide();
  if (!library) throw new SlideError('missing-library', MISSING_OPENSLIDE_MESSAGE, { cause: new Error(loadFailure) });
  return library;
}

function bind(lib: koffi.IKoffiLib): OpenSlideLibrary {
  // openslide_t is opaque: handles travel as void * (no named koffi type, which could only be registered once per process).
  const fn = (prototype: string) => lib.func(prototype) as NativeFunction;
  const getVersion = fn('const char *openslide_get_version()');
  const detectVendor = fn('const char *openslide_detect_vendor(const char *filename)');
  const open = fn('void *openslide_open(const char *filename)');
  const getError = fn('const char *openslide_get_error(void *osr)');
  const getLevelCount = fn('int32_t openslide_get_level_count(void *osr)');
  const getLevelDimensions = fn('void openslide_get_level_dimensions(void *osr, int32_t level, _Out_ int64_t *w, _Out_ int64_t *h)');
  const getLevelDownsample = fn('double openslide_get_level_downsample(void *osr, int32_t level)');
  const getPropertyNames = fn('const char **openslide_get_property_names(void *osr)');
  const getPropertyValue = fn('const char *openslide_get_property_value(void *osr, const char *name)');
  const getAssociatedNames = fn('const char **openslide_get_associated_image_names(void *osr)');
  const getAssociatedDimensions = fn('void openslide_get_associated_image_dimensions(void *osr, const char *name, _Out_ int64_t *w, _Out_ int64_t *h)');
  const readRegion = fn('void openslide_read_region(void *osr, _Out_ uint32_t *dest, int64_t x, int64_t y, int32_t level, int64_t w, int64_t h)');
  const readAssociated = fn('void openslide_read_associated_image(void *osr, const char *name, _Out_ uint32_t *dest)');
  const close = fn('void openslide_close(void *osr)');

  const pointerSize = koffi.sizeof('void *');
  /** A NULL-terminated const char ** as a string array. */
  const stringList = (pointer: unknown): string[] => {
    const out: string[] = [];
    if (!pointer) return out;
    for (let i = 0; ; i++) {
      const value = koffi.decode(pointer, i * pointerSize, 'const char *') as string | null;
      if (value === null) return out;
      out.push(value);
    }
  };
  const dimensions = (call: (w: number[], h: number[]) => void) => {
    const w = [0];
    const h = [0];
    call(w, h);
    return { width: Number(w[0]), height: Number(h[0]) };
  };
  const runAsync = (call: NativeFunction, ...args: unknown[]) =>
    new Promise<void>((resolve, reject) => call.async(...args, (error: unknown) => (error ? reject(error) : resolve())));

  return {
    version: String(getVersion()),
    detectVendor: (path) => (detectVendor(path) as string | null) ?? null,
    open: (path) => (open(path) as OpenSlideHandle | null) ?? null,
    error: (handle) => (getError(handle) as string | null) ?? null,
    levelCount: (handle) => getLevelCount(handle) as number,
    levelDimensions: (handle, level) => dimensions((w, h) => getLevelDimensions(handle, level, w, h)),
    levelDownsample: (handle, level) => getLevelDownsample(handle, level) as number,
    propertyNames: (handle) => stringList(getPropertyNames(handle)),
    propertyValue: (handle, name) => (getPropertyValue(handle, name) as string | null) ?? null,
    associatedImageNames: (handle) => stringList(getAssociatedNames(handle)),
    associatedImageDimensions: (handle, name) => dimensions((w, h) => getAssociatedDimensions(handle, name, w, h)),
    readRegion: (handle, dest, x, y, level, w, h) => runAsync(readRegion, handle, dest, x, y, level, w, h),
    readAssociatedImage: (handle, name, dest) => runAsync(readAssociated, handle, name, dest),
    close: (handle) => void close(handle),
  };
}
