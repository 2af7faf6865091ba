/**
 * Aperio SVS: a TIFF whose first ImageDescription starts with "Aperio". Tiled images are the
 * pyramid levels; the untiled ones are the thumbnail (second image), label and macro (named on
 * the second line of their description). Properties follow OpenSlide: "key = value" pairs after
 * the first "|" become aperio.key; MPP and AppMag give mpp and objective power.
 */
import { SlideError } from '../errors';
import { levelProperties, levelsFromSizes, positiveNumber } from '../metadata';
import { TiffCompression, TiffTag, TiffFile } from '../tiff/tiff-file';
import { TiffLevelReader } from '../tiff/tiff-level-reader';
import { describePage, describePages, type TiffPage } from '../tiff/tiff-page';
import { TiffPyramidSource } from '../tiff/tiff-pyramid-source';
import { asCorruptSlide, openTiffOrThrow, withTiff } from '../tiff/open-tiff';
import type { DetectResult, SlideFormat, SlideMetadata, SlideSource } from '../types';

const JPEG_2000 = new Set<number>([TiffCompression.AperioJp2kYCbCr, TiffCompression.AperioJp2kRgb]);

export const aperioSvsFormat: SlideFormat = {
  name: 'aperio-svs',
  vendor: 'aperio',
  detect,
  open,
};

async function detect(path: string, head: Buffer): Promise<DetectResult> {
  if (!TiffFile.hasSignature(head)) return { ok: false, reason: 'not a TIFF file' };
  try {
    return await withTiff(path, async (file) => {
      const first = file.directories[0];
      const description = (await file.string(first, TiffTag.ImageDescription, 256)) ?? '';
      if (!description.startsWith('Aperio')) return { ok: false, reason: 'its first image description does not start with "Aperio"' };
      const page = await describePage(file, first, 0);
      if (!page.tiled) return { ok: false, reason: 'its first image is not tiled' };
      if (JPEG_2000.has(page.compression)) return { ok: false, reason: 'it is compressed with Aperio JPEG 2000, which only OpenSlide decodes' };
      return { ok: true };
    });
  } catch (error) {
    return { ok: false, reason: `its TIFF structure cannot be read (${error instanceof Error ? error.message : String(error)})` };
  }
}

async function open(path: string): Promise<SlideSource> {
  const file = await openTiffOrThrow(path, 'Aperio SVS');
  try {
    const pages = await describePages(file);
    const levelPages = pages.filter((p) => p.tiled);
    if (levelPages.length === 0) throw new SlideError('corrupt-slide', 'This Aperio SVS file has no tiled image to show');
    const readers: TiffLevelReader[] = [];
    for (const page of levelPages) readers.push(await TiffLevelReader.create(file, page));
    const levels = levelsFromSizes(levelPages.map((p) => ({ width: p.width, height: p.height })));
    const associated = associatedImages(pages);
    const properties: Record<string, string> = {
      ...aperioProperties(levelPages[0].description),
      ...levelProperties(levels),
      'openslide.vendor': 'aperio',
      'tiff.ImageDescription': levelPages[0].description,
    };
    const mpp = positiveNumber(properties['aperio.MPP']);
    if (mpp !== null) {
      properties['openslide.mpp-x'] = String(mpp);
      properties['openslide.mpp-y'] = String(mpp);
    }
    const objectivePower = positiveNumber(properties['aperio.AppMag']);
    if (objectivePower !== null) properties['openslide.objective-power'] = String(objectivePower);
    const metadata: SlideMetadata = {
      format: 'aperio-svs',
      vendor: 'aperio',
      width: levels[0].width,
      height: levels[0].height,
      levels,
      mpp: mpp === null ? null : [mpp, mpp],
      objectivePower,
      associatedImages: [...associated.keys()],
      properties,
    };
    return new TiffPyramidSource(path, metadata, file, readers, associated);
  } catch (error) {
    await file.close();
    throw asCorruptSlide(error, 'Aperio SVS');
  }
}

/** "Aperio Image Library v11 \r\n header|AppMag = 20|MPP = 0.499" -> { 'aperio.AppMag': '20', ... }. */
export function aperioProperties(description: string): Record<string, string> {
  const props: Record<string, string> = { 'openslide.comment': description };
  const [, ...fields] = description.split('|');
  for (const field of fields) {
    const eq = field.indexOf(' = ');
    if (eq <= 0) continue;
    props[`aperio.${field.slice(0, eq).trim()}`] = field.slice(eq + 3).trim();
  }
  return props;
}

/** Untiled pages: the second image is the thumbnail; others name themselves on line 2 ("label 387x463"). */
function associatedImages(pages: TiffPage[]): Map<string, TiffPage> {
  const found = new Map<string, TiffPage>();
  pages.forEach((page, index) => {
    if (page.tiled) return;
    const secondLine = page.description.split(/\r?\n/)[1]?.trim() ?? '';
    const named = /^(label|macro)\b/.exec(secondLine)?.[1];
    const name = named ?? (index === 1 ? 'thumbnail' : undefined);
    if (name && !found.has(name)) found.set(name, page);
  });
  return found;
}
