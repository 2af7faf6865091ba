/**
 * A folder in GlaS layout: images/NAME.png with labels/NAME.png (gland masks, 0 / 255).
 * Other files (Grade.csv) are ignored. Images are decoded with sharp and resampled to the
 * model's resolution (micrometres per pixel), so data of other scanners lines up with the model.
 */
import { mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';

/** GlaS was scanned at 20x on a Zeiss MIRAX MIDI: 0.62005 um per pixel. */
export const GLAS_MPP = 0.62005;

const IMAGE_EXT = /\.(png|bmp|tif|tiff|jpg|jpeg)$/i;

export interface GlasEntry {
  name: string;
  imagePath: string;
  /** null when the folder has no label for this image (usable as unlabelled data only). */
  labelPath: string | null;
}

/** An RGB image (HWC, 3 channels) with its binary mask (1 = gland), both at model resolution. */
export interface RgbImage {
  name: string;
  width: number;
  height: number;
  rgb: Uint8Array;
  mask: Uint8Array | null;
}

/** Lists images/ and pairs each with labels/<same base name>.*; sorted by name for determinism. */
export async function listGlasFolder(dir: string): Promise<GlasEntry[]> {
  const imagesDir = path.join(dir, 'images');
  const labelsDir = path.join(dir, 'labels');
  let imageFiles: string[];
  try {
    imageFiles = (await readdir(imagesDir)).filter((f) => IMAGE_EXT.test(f));
  } catch {
    throw new Error(`${dir} is not a GlaS-layout folder: no images/ directory`);
  }
  const labelFiles = new Map<string, string>();
  try {
    for (const f of await readdir(labelsDir)) if (IMAGE_EXT.test(f)) labelFiles.set(stripExt(f), f);
  } catch {
    // No labels/ folder: every image is unlabelled.
  }
  if (imageFiles.length === 0) throw new Error(`no images found in ${imagesDir}`);
  return imageFiles
    .map((f) => {
      const name = stripExt(f);
      const label = labelFiles.get(name);
      return { name, imagePath: path.join(imagesDir, f), labelPath: label ? path.join(labelsDir, label) : null };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function stripExt(f: string): string {
  return f.replace(/\.[^.]+$/, '');
}

/**
 * Decodes one image (and its label) resampled by sourceMpp / targetMpp. The image uses a
 * smooth kernel; the label uses nearest neighbour so it stays binary and instance edges stay sharp.
 */
export async function loadRgbImage(entry: GlasEntry, sourceMpp: number, targetMpp: number): Promise<RgbImage> {
  const meta = await sharp(entry.imagePath).metadata();
  if (!meta.width || !meta.height) throw new Error(`cannot read size of ${entry.imagePath}`);
  const scale = sourceMpp / targetMpp;
  const width = Math.max(1, Math.round(meta.width * scale));
  const height = Math.max(1, Math.round(meta.height * scale));
  const rgb = await decodeRgb(entry.imagePath, width, height);
  let mask: Uint8Array | null = null;
  if (entry.labelPath) {
    const { data, info } = await sharp(entry.labelPath)
      .resize(width, height, { kernel: 'nearest', fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    mask = new Uint8Array(width * height);
    // Any non-zero value of the first channel is gland (GlaS: 255; instance-id masks: 1..n).
    for (let i = 0; i < mask.length; i++) mask[i] = data[i * info.channels] > 0 ? 1 : 0;
  }
  return { name: entry.name, width, height, rgb, mask };
}

/** Decodes any image sharp reads to packed RGB bytes at the given size (alpha dropped, grey expanded). */
export async function decodeRgb(file: string, width?: number, height?: number): Promise<Uint8Array> {
  let pipeline = sharp(file).removeAlpha().toColourspace('srgb');
  if (width && height) pipeline = pipeline.resize(width, height, { kernel: 'lanczos3', fit: 'fill' });
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  if (info.channels === 3) return new Uint8Array(data.buffer, data.byteOffset, data.length);
  const out = new Uint8Array(info.width * info.height * 3);
  for (let i = 0; i < info.width * info.height; i++) {
    for (let c = 0; c < 3; c++) out[i * 3 + c] = data[i * info.channels + Math.min(c, info.channels - 1)];
  }
  return out;
}

export async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Writes a small synthetic folder in GlaS layout: pink "stroma" with darker purple discs
 * ("glands") at seeded positions, masks 0/255. For tests and demos that must run without the
 * real data (it never ships with the project).
 */
export async function writeSyntheticGlasFolder(dir: string, count: number, width = 72, height = 56): Promise<void> {
  await mkdir(path.join(dir, 'images'), { recursive: true });
  await mkdir(path.join(dir, 'labels'), { recursive: true });
  for (let k = 0; k < count; k++) {
    const rgb = Buffer.alloc(width * height * 3);
    const mask = Buffer.alloc(width * height);
    const discs = [
      [width * 0.2 + (k % 5), height * 0.3, Math.min(width, height) * 0.16],
      [width * 0.66, height * 0.55 + (k % 7), Math.min(width, height) * 0.2],
    ];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        const inside = discs.some(([cx, cy, r]) => (x - cx) ** 2 + (y - cy) ** 2 < r * r);
        mask[i] = inside ? 255 : 0;
        const noise = ((x * 31 + y * 17 + k * 13) % 23) - 11; // deterministic texture
        rgb[i * 3] = (inside ? 120 : 235) + noise;
        rgb[i * 3 + 1] = (inside ? 60 : 180) + noise;
        rgb[i * 3 + 2] = (inside ? 150 : 220) + noise;
      }
    }
    const name = `synthetic_${k + 1}.png`;
    await sharp(rgb, { raw: { width, height, channels: 3 } }).png().toFile(path.join(dir, 'images', name));
    await sharp(mask, { raw: { width, height, channels: 1 } }).png().toFile(path.join(dir, 'labels', name));
  }
}
