/**
 * The generated sample slide: a synthetic H&E field (4096 x 3072 at 0.5 um/px, "20x") written
 * as a tiled JPEG pyramidal TIFF, with its ground truth beside it:
 *   sample-slide.tif          the slide (generic-tiff reader; 256-px tiles, so tiles pass through)
 *   sample-slide-mask.png     8-bit, 255 = gland (epithelium + lumen), 0 = background
 *   sample-slide-labels.png   8-bit gland instance ids (1..n, 0 = background; n < 256)
 *   sample-slide.json         version, seed, size, mpp and every gland's shape (written last)
 * Generation is deterministic and idempotent: files of the current version are reused.
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { paintTissue, type GlandShape } from './sample/tissue-painter';

/** Bump when the painting or the file layout changes, so old samples are regenerated. */
export const SAMPLE_VERSION = 1;

export const SAMPLE_FILES = {
  slide: 'sample-slide.tif',
  mask: 'sample-slide-mask.png',
  labels: 'sample-slide-labels.png',
  manifest: 'sample-slide.json',
} as const;

export interface SampleOptions {
  width?: number;
  height?: number;
  seed?: number;
}

export interface SampleManifest {
  version: number;
  seed: number;
  width: number;
  height: number;
  mpp: [number, number];
  objectivePower: number;
  glands: GlandShape[];
}

export interface SampleSlide {
  slidePath: string;
  maskPath: string;
  labelsPath: string;
  manifestPath: string;
  manifest: SampleManifest;
  /** False when existing files of this version were reused. */
  generated: boolean;
}

const DEFAULTS = { width: 4096, height: 3072, seed: 20_240_607 };
/** 0.5 um per pixel, i.e. 2000 pixels per millimetre (sharp's TIFF resolution unit). */
const MPP = 0.5;

export async function generateSampleSlide(outDir: string, options: SampleOptions = {}): Promise<SampleSlide> {
  const { width, height, seed } = { ...DEFAULTS, ...options };
  const paths = {
    slidePath: join(outDir, SAMPLE_FILES.slide),
    maskPath: join(outDir, SAMPLE_FILES.mask),
    labelsPath: join(outDir, SAMPLE_FILES.labels),
    manifestPath: join(outDir, SAMPLE_FILES.manifest),
  };
  const existing = await readCurrentManifest(paths, { width, height, seed });
  if (existing) return { ...paths, manifest: existing, generated: false };

  await mkdir(outDir, { recursive: true });
  const tissue = await paintTissue(width, height, seed);
  if (tissue.glands.length > 255) throw new Error('the sample has more glands than an 8-bit label image can hold');
  const labels8 = Buffer.from(Uint8Array.from(tissue.labels));
  const pixelsPerMm = 1000 / MPP;
  // Each file is written under a temporary name and renamed, so a reader never sees half a file
  // and two processes generating at once both end with complete files.
  const temp = (path: string) => `${path}.${process.pid}.tmp`;
  await Promise.all([
    sharp(tissue.rgb, { raw: { width, height, channels: 3 } })
      .tiff({ tile: true, tileWidth: 256, tileHeight: 256, pyramid: true, compression: 'jpeg', quality: 90, xres: pixelsPerMm, yres: pixelsPerMm, resolutionUnit: 'cm' })
      .toFile(temp(paths.slidePath)),
    sharp(tissue.mask, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toFile(temp(paths.maskPath)),
    sharp(labels8, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toFile(temp(paths.labelsPath)),
  ]);
  for (const path of [paths.slidePath, paths.maskPath, paths.labelsPath]) await rename(temp(path), path);
  const manifest: SampleManifest = { version: SAMPLE_VERSION, seed, width, height, mpp: [MPP, MPP], objectivePower: 20, glands: tissue.glands };
  await writeFile(temp(paths.manifestPath), JSON.stringify(manifest, null, 1));
  await rename(temp(paths.manifestPath), paths.manifestPath);
  return { ...paths, manifest, generated: true };
}

/** The manifest when it and every file exist for this version, size and seed; else null. */
async function readCurrentManifest(
  paths: { slidePath: string; maskPath: string; labelsPath: string; manifestPath: string },
  wanted: { width: number; height: number; seed: number },
): Promise<SampleManifest | null> {
  try {
    const manifest = JSON.parse(await readFile(paths.manifestPath, 'utf8')) as SampleManifest;
    if (manifest.version !== SAMPLE_VERSION || manifest.width !== wanted.width || manifest.height !== wanted.height || manifest.seed !== wanted.seed) return null;
    for (const path of [paths.slidePath, paths.maskPath, paths.labelsPath]) if ((await stat(path)).size === 0) return null;
    return manifest;
  } catch {
    return null;
  }
}
