/**
 * Helpers for the slide tests (not a test file itself): where the shared real slides live,
 * OpenSlide's own reference output, temporary folders, pixel comparison.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

/** ../shared/data/slides beside the project root (src-main/slides -> project root is two up). */
export const SHARED_SLIDES_DIR = resolve(here, '../../../shared/data/slides');

/** Absolute path of a shared slide, or null when the shared data is absent (tests skip then). */
export function sharedSlide(name: string): string | null {
  const path = join(SHARED_SLIDES_DIR, name);
  return existsSync(path) ? path : null;
}

export function hasCommand(name: string): boolean {
  return ['/usr/bin', '/usr/local/bin', '/bin'].some((dir) => existsSync(join(dir, name)));
}

/** OpenSlide's read_region for the same arguments, through openslide-write-png: RGBA bytes. */
export async function openslideReference(path: string, x: number, y: number, level: number, w: number, h: number, workDir: string): Promise<Buffer> {
  const out = join(workDir, `ref-${x}-${y}-${level}-${w}-${h}.png`);
  await run('openslide-write-png', [path, '--', String(x), String(y), String(level), String(w), String(h), out]);
  return sharp(await readFile(out)).ensureAlpha().raw().toBuffer();
}

export async function makeTempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `semimoe-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** How many bytes differ and by how much at most. */
export function compareBytes(a: Buffer, b: Buffer): { differing: number; maxDelta: number } {
  if (a.length !== b.length) throw new Error(`buffers differ in length: ${a.length} vs ${b.length}`);
  let differing = 0;
  let maxDelta = 0;
  for (let i = 0; i < a.length; i++) {
    const delta = Math.abs(a[i] - b[i]);
    if (delta) {
      differing++;
      if (delta > maxDelta) maxDelta = delta;
    }
  }
  return { differing, maxDelta };
}

/** Mean absolute difference per byte. */
export function meanAbsoluteDifference(a: Buffer, b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

/** A deterministic RGB test pattern: gradients plus a checker, so misplaced pixels show. */
export function testPattern(width: number, height: number): Buffer {
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      rgb[o] = (x * 255) / Math.max(1, width - 1);
      rgb[o + 1] = (y * 255) / Math.max(1, height - 1);
      rgb[o + 2] = ((x >> 4) + (y >> 4)) % 2 ? 200 : 40;
    }
  }
  return rgb;
}

/** RGB -> RGBA with opaque alpha, for comparing a pattern with readRegion output. */
export function rgbToRgba(rgb: Buffer): Buffer {
  const out = Buffer.alloc((rgb.length / 3) * 4);
  for (let i = 0, o = 0; i < rgb.length; i += 3, o += 4) {
    out[o] = rgb[i];
    out[o + 1] = rgb[i + 1];
    out[o + 2] = rgb[i + 2];
    out[o + 3] = 255;
  }
  return out;
}

/** A w x h crop of an RGBA buffer. */
export function cropRgba(rgba: Buffer, width: number, x: number, y: number, w: number, h: number): Buffer {
  const out = Buffer.alloc(w * h * 4);
  for (let row = 0; row < h; row++) rgba.copy(out, row * w * 4, ((y + row) * width + x) * 4, ((y + row) * width + x + w) * 4);
  return out;
}
