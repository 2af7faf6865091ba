/**
 * Recognising whole-slide vendor formats without OpenSlide, from the extension and a few TIFF
 * tags. Two readers need this: generic-tiff must not claim a vendor TIFF (NDPI, Philips, Leica,
 * Ventana are TIFF-shaped but need vendor logic), and the OpenSlide reader must recognise its
 * formats even when libopenslide is missing, so the user hears "install libopenslide0" rather
 * than "unsupported file".
 */
import { extensionOf } from '../file-kind';
import { TiffTag, type TiffFile } from '../tiff/tiff-file';

/** Vendor formats that are not TIFF files, by extension. */
const VENDOR_EXTENSIONS: Record<string, string> = {
  '.mrxs': 'mirax',
  '.vms': 'hamamatsu',
  '.vmu': 'hamamatsu',
  '.svslide': 'sakura',
};

export function vendorByExtension(path: string): string | null {
  return VENDOR_EXTENSIONS[extensionOf(path)] ?? null;
}

/** The vendor a TIFF-shaped slide belongs to, or null for an ordinary (generic) TIFF. */
export async function vendorOfTiff(file: TiffFile): Promise<string | null> {
  const first = file.directories[0];
  if (first.entries.has(TiffTag.NdpiFormatFlag)) return 'hamamatsu';
  const description = (await file.string(first, TiffTag.ImageDescription, 64 * 1024)) ?? '';
  if (description.startsWith('Aperio')) return 'aperio';
  if (description.includes('DPUfsImport')) return 'philips';
  if (description.includes('leica-microsystems') || description.includes('<scn')) return 'leica';
  const software = (await file.string(first, TiffTag.Software, 1024)) ?? '';
  if (software.startsWith('MedScan')) return 'trestle';
  for (const dir of file.directories.slice(0, 8)) {
    const xmp = (await file.bytes(dir, TiffTag.XMP))?.toString('latin1') ?? '';
    if (xmp.includes('iScan')) return 'ventana';
  }
  return null;
}
