/**
 * Vendor formats through OpenSlide: whatever openslide_detect_vendor recognises, except generic
 * TIFF (the generic-tiff reader, through sharp, reads those faster). Aperio reaches this reader
 * only when aperio-svs refused it (JPEG 2000 SVS). When libopenslide is missing, vendor files
 * are still recognised by their signatures so that opening one says what to install.
 */
import { TiffFile } from '../tiff/tiff-file';
import { withTiff } from '../tiff/open-tiff';
import { tryLoadOpenSlide, MISSING_OPENSLIDE_MESSAGE } from '../openslide/library';
import { OpenSlideSource } from '../openslide/openslide-source';
import type { DetectResult, SlideFormat, SlideSource } from '../types';
import { vendorByExtension, vendorOfTiff } from './vendor-signatures';

export const openslideFormat: SlideFormat = {
  name: 'openslide',
  vendor: 'hamamatsu, mirax, leica, ventana, philips, sakura, trestle, aperio (JPEG 2000) via OpenSlide',
  detect,
  open: (path: string): Promise<SlideSource> => OpenSlideSource.open(path),
};

async function detect(path: string, head: Buffer): Promise<DetectResult> {
  const library = tryLoadOpenSlide();
  if (library) {
    const vendor = library.detectVendor(path);
    if (!vendor) return { ok: false, reason: 'OpenSlide does not recognise it' };
    if (vendor === 'generic-tiff') return { ok: false, reason: 'OpenSlide sees a generic TIFF, which the generic-tiff reader handles' };
    return { ok: true };
  }
  // No library: recognise vendor files anyway, so open() can say what to install.
  if (vendorByExtension(path)) return { ok: true };
  if (TiffFile.hasSignature(head)) {
    const vendor = await withTiff(path, vendorOfTiff).catch(() => null);
    if (vendor) return { ok: true };
  }
  return { ok: false, reason: `not a vendor format recognisable without OpenSlide (${MISSING_OPENSLIDE_MESSAGE})` };
}
