/**
 * Generic tiled TIFF pyramids (what `vips tiffsave --tile --pyramid`, sharp, QuPath and many
 * converters write). Levels are the first image's SubIFDs when it has them (OME-style), else
 * every tiled image of the main chain, largest first. mpp comes from the TIFF resolution tags.
 */
import { SlideError } from '../errors';
import { levelProperties, levelsFromSizes, mppFromResolution } from '../metadata';
import { TiffFile, TiffTag } from '../tiff/tiff-file';
import { TiffLevelReader } from '../tiff/tiff-level-reader';
import { describePage, describePages, type TiffPage } from '../tiff/tiff-page';
import { TiffPyramidSource } from '../tiff/tiff-pyramid-source';
import { asCorruptSlide, openTiffOrThrow, withTiff } from '../tiff/open-tiff';
import type { DetectResult, SlideFormat, SlideMetadata, SlideSource } from '../types';
import { vendorOfTiff } from './vendor-signatures';

export const genericTiffFormat: SlideFormat = {
  name: 'generic-tiff',
  vendor: 'generic-tiff',
  detect,
  open,
};

async function detect(path: string, head: Buffer): Promise<DetectResult> {
  if (!TiffFile.hasSignature(head)) return { ok: false, reason: 'not a TIFF file' };
  try {
    return await withTiff(path, async (file) => {
      const vendor = await vendorOfTiff(file);
      if (vendor) return { ok: false, reason: `it is a ${vendor} slide, which needs that vendor's reader` };
      const first = await describePage(file, file.directories[0], 0);
      if (!first.tiled) return { ok: false, reason: 'its first image is stored in strips, not tiles (an ordinary image, not a pyramid)' };
      return { ok: true };
    });
  } catch (error) {
    return { ok: false, reason: `its TIFF structure cannot be read (${error instanceof Error ? error.message : String(error)})` };
  }
}

async function open(path: string): Promise<SlideSource> {
  const file = await openTiffOrThrow(path, 'TIFF');
  try {
    const levelPages = await pyramidPages(file);
    if (levelPages.length === 0) throw new SlideError('corrupt-slide', 'This TIFF file has no tiled image to show');
    const readers: TiffLevelReader[] = [];
    for (const page of levelPages) readers.push(await TiffLevelReader.create(file, page));
    const base = levelPages[0];
    const levels = levelsFromSizes(levelPages.map((p) => ({ width: p.width, height: p.height })));
    const xResolution = await file.number(base.dir, TiffTag.XResolution);
    const yResolution = await file.number(base.dir, TiffTag.YResolution);
    const unit = await file.number(base.dir, TiffTag.ResolutionUnit, 2);
    const mpp = mppFromResolution(xResolution, yResolution, unit);
    const properties: Record<string, string> = { ...levelProperties(levels), 'openslide.vendor': 'generic-tiff' };
    if (base.description) properties['tiff.ImageDescription'] = base.description;
    const software = await file.string(base.dir, TiffTag.Software, 1024);
    if (software) properties['tiff.Software'] = software;
    if (xResolution) properties['tiff.XResolution'] = String(xResolution);
    if (yResolution) properties['tiff.YResolution'] = String(yResolution);
    properties['tiff.ResolutionUnit'] = unit === 3 ? 'centimeter' : unit === 2 ? 'inch' : 'none';
    if (mpp) {
      properties['openslide.mpp-x'] = String(mpp[0]);
      properties['openslide.mpp-y'] = String(mpp[1]);
    }
    const metadata: SlideMetadata = {
      format: 'generic-tiff',
      vendor: 'generic-tiff',
      width: levels[0].width,
      height: levels[0].height,
      levels,
      mpp,
      objectivePower: null,
      associatedImages: [],
      properties,
    };
    return new TiffPyramidSource(path, metadata, file, readers, new Map());
  } catch (error) {
    await file.close();
    throw asCorruptSlide(error, 'TIFF');
  }
}

/** SubIFD pyramid of the first image, else the tiled images of the main chain; largest first, one per width. */
async function pyramidPages(file: TiffFile): Promise<TiffPage[]> {
  const first = await describePage(file, file.directories[0], 0);
  const subDirectories = await file.subDirectories(first.dir);
  const candidates: TiffPage[] = [];
  if (subDirectories.length > 0) {
    candidates.push(first);
    for (let i = 0; i < subDirectories.length; i++) candidates.push(await describePage(file, subDirectories[i], 0, i));
  } else {
    candidates.push(...(await describePages(file)));
  }
  const tiled = candidates.filter((p) => p.tiled).sort((a, b) => b.width - a.width);
  return tiled.filter((page, i) => i === 0 || page.width < tiled[i - 1].width);
}
