/**
 * Every reader on files generated here (they run for anyone who clones the project): plain
 * images, sharp-written pyramidal TIFFs (JPEG, deflate, SubIFD), and the sample slide.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSlide } from './registry';
import { compareBytes, cropRgba, hasCommand, makeTempDir, meanAbsoluteDifference, rgbToRgba, testPattern } from './test-support';
import type { SlideSource } from './types';

let tmp: { dir: string; remove: () => Promise<void> };
const opened: SlideSource[] = [];

async function open(path: string): Promise<SlideSource> {
  const source = await openSlide(path);
  opened.push(source);
  return source;
}

beforeAll(async () => {
  tmp = await makeTempDir('readers');
});

afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
  await tmp.remove();
});

/** A 24-bit bottom-up BMP (the common kind), written by hand: sharp cannot write BMP. */
function bmp24(rgb: Buffer, width: number, height: number): Buffer {
  const stride = Math.ceil((width * 3) / 4) * 4;
  const file = Buffer.alloc(54 + stride * height);
  file.write('BM', 0, 'latin1');
  file.writeUInt32LE(file.length, 2);
  file.writeUInt32LE(54, 10);
  file.writeUInt32LE(40, 14);
  file.writeInt32LE(width, 18);
  file.writeInt32LE(height, 22);
  file.writeUInt16LE(1, 26);
  file.writeUInt16LE(24, 28);
  file.writeInt32LE(2000, 38); // 2000 px/m = 500 um/px: implausible for microscopy, so mpp stays null
  for (let y = 0; y < height; y++) {
    const row = 54 + (height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 3;
      file[row + x * 3] = rgb[s + 2];
      file[row + x * 3 + 1] = rgb[s + 1];
      file[row + x * 3 + 2] = rgb[s];
    }
  }
  return file;
}

/** An 8-bit palette, top-down BMP with 4 colours. */
function bmp8TopDown(indices: Uint8Array, palette: [number, number, number][], width: number, height: number): Buffer {
  const stride = Math.ceil(width / 4) * 4;
  const offset = 54 + 4 * palette.length;
  const file = Buffer.alloc(offset + stride * height);
  file.write('BM', 0, 'latin1');
  file.writeUInt32LE(file.length, 2);
  file.writeUInt32LE(offset, 10);
  file.writeUInt32LE(40, 14);
  file.writeInt32LE(width, 18);
  file.writeInt32LE(-height, 22);
  file.writeUInt16LE(1, 26);
  file.writeUInt16LE(8, 28);
  file.writeUInt32LE(palette.length, 46);
  palette.forEach(([r, g, b], i) => {
    file[54 + i * 4] = b;
    file[54 + i * 4 + 1] = g;
    file[54 + i * 4 + 2] = r;
  });
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) file[offset + y * stride + x] = indices[y * width + x];
  return file;
}

describe('plain images', () => {
  const width = 301;
  const height = 203;
  const pattern = testPattern(width, height);

  it('reads a PNG pixel for pixel, with transparent outside and a pyramid built on demand', async () => {
    const path = join(tmp.dir, 'pattern.png');
    await sharp(pattern, { raw: { width, height, channels: 3 } }).png().toFile(path);
    const slide = await open(path);
    expect(slide.metadata.format).toBe('image');
    expect(slide.metadata.levels.map((l) => [l.width, l.height])).toEqual([
      [301, 203],
      [151, 102],
    ]);
    const all = await slide.readRegion(0, 0, 0, width, height);
    expect(compareBytes(all.data, rgbToRgba(pattern)).differing).toBe(0);

    // A region hanging over the top-left corner: outside is (0,0,0,0), inside is the pattern.
    const corner = await slide.readRegion(-10, -5, 0, 30, 20);
    expect([...corner.data.subarray(0, 4)]).toEqual([0, 0, 0, 0]);
    const inside = cropRgba(corner.data, 30, 10, 5, 20, 15);
    expect(compareBytes(inside, cropRgba(rgbToRgba(pattern), width, 0, 0, 20, 15)).differing).toBe(0);

    // Level 1 is the image halved: compare with sharp's own resize of the pattern.
    const half = await slide.readRegion(0, 0, 1, 151, 102);
    const expected = await sharp(pattern, { raw: { width, height, channels: 3 } }).resize(151, 102, { fit: 'fill' }).ensureAlpha().raw().toBuffer();
    expect(meanAbsoluteDifference(half.data, expected)).toBeLessThan(1);
  });

  it('gives GlaS-sized images (775 x 522) levels down to under 256 px', async () => {
    const path = join(tmp.dir, 'glas.png');
    await sharp({ create: { width: 775, height: 522, channels: 3, background: '#d090c0' } }).png().toFile(path);
    const slide = await open(path);
    expect(slide.metadata.levels.map((l) => [l.width, l.height])).toEqual([
      [775, 522],
      [388, 261],
      [194, 131],
    ]);
    expect(slide.metadata.levels[2].downsample).toBeCloseTo((775 / 194 + 522 / 131) / 2, 10);
  });

  it('reads a JPEG exactly as sharp decodes it', async () => {
    const path = join(tmp.dir, 'pattern.jpg');
    await sharp(pattern, { raw: { width, height, channels: 3 } }).jpeg({ quality: 80 }).toFile(path);
    const slide = await open(path);
    const region = await slide.readRegion(50, 40, 0, 100, 80);
    const expected = await sharp(path).extract({ left: 50, top: 40, width: 100, height: 80 }).ensureAlpha().raw().toBuffer();
    expect(compareBytes(region.data, expected).differing).toBe(0);
  });

  it('reads 24-bit bottom-up and 8-bit palette top-down BMPs', async () => {
    const path24 = join(tmp.dir, 'pattern.bmp');
    await writeFile(path24, bmp24(pattern, width, height));
    const slide24 = await open(path24);
    expect(slide24.metadata.mpp).toBeNull();
    const all = await slide24.readRegion(0, 0, 0, width, height);
    expect(compareBytes(all.data, rgbToRgba(pattern)).differing).toBe(0);

    const palette: [number, number, number][] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [250, 250, 250]];
    const indices = Uint8Array.from({ length: 7 * 5 }, (_, i) => i % 4);
    const path8 = join(tmp.dir, 'palette.bmp');
    await writeFile(path8, bmp8TopDown(indices, palette, 7, 5));
    const slide8 = await open(path8);
    const px = await slide8.readRegion(0, 0, 0, 7, 5);
    for (let i = 0; i < indices.length; i++) expect([...px.data.subarray(i * 4, i * 4 + 4)]).toEqual([...palette[indices[i]], 255]);
  });

  it('reads an untiled TIFF as a plain image', async () => {
    const path = join(tmp.dir, 'strips.tif');
    await sharp(pattern, { raw: { width, height, channels: 3 } }).tiff({ compression: 'lzw' }).toFile(path);
    const slide = await open(path);
    expect(slide.metadata.format).toBe('image');
    const all = await slide.readRegion(0, 0, 0, width, height);
    expect(compareBytes(all.data, rgbToRgba(pattern)).differing).toBe(0);
  });

  it('keeps alpha and reports it, so the tiler can choose PNG', async () => {
    const path = join(tmp.dir, 'alpha.png');
    await sharp({ create: { width: 40, height: 30, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } } }).png().toFile(path);
    const slide = await open(path);
    expect(slide.metadata.properties['image.has-alpha']).toBe('true');
    const px = await slide.readRegion(0, 0, 0, 1, 1);
    expect(px.data[3]).toBe(128);
  });
});

describe('generic pyramidal TIFF', () => {
  const width = 1000;
  const height = 700;
  const pattern = testPattern(width, height);

  it('reads a sharp-written JPEG pyramid: levels, mpp, and pixels equal to libvips page by page', async () => {
    const path = join(tmp.dir, 'pyramid-jpeg.tif');
    await sharp(pattern, { raw: { width, height, channels: 3 } })
      .tiff({ tile: true, tileWidth: 256, tileHeight: 256, pyramid: true, compression: 'jpeg', quality: 90, xres: 4000, yres: 4000, resolutionUnit: 'cm' })
      .toFile(path);
    const slide = await open(path);
    expect(slide.metadata.format).toBe('generic-tiff');
    expect(slide.metadata.levels.map((l) => [l.width, l.height])).toEqual([
      [1000, 700],
      [500, 350],
      [250, 175],
    ]);
    expect(slide.metadata.mpp?.[0]).toBeCloseTo(0.25, 6); // 4000 px/mm
    // Regions that cross tile boundaries and the right/bottom edges, at two levels.
    for (const [x, y, level, w, h] of [
      [200, 150, 0, 300, 200],
      [900, 600, 0, 100, 100],
      [400, 200, 1, 150, 150],
    ]) {
      const ds = slide.metadata.levels[level].downsample;
      const region = await slide.readRegion(x, y, level, w, h);
      const expected = await sharp(path, { page: level }).extract({ left: x / ds, top: y / ds, width: w, height: h }).ensureAlpha().raw().toBuffer();
      expect(compareBytes(region.data, expected), `region ${x},${y} level ${level}`).toEqual({ differing: 0, maxDelta: 0 });
    }
    const beyond = await slide.readRegion(950, 650, 0, 100, 100);
    expect(beyond.data[(99 * 100 + 99) * 4 + 3]).toBe(0); // bottom-right corner lies outside
    expect(beyond.data[3]).toBe(255);
  });

  it('reads a lossless (deflate) pyramid through the libvips path, pixel for pixel', async () => {
    const path = join(tmp.dir, 'pyramid-deflate.tif');
    await sharp(pattern, { raw: { width, height, channels: 3 } }).tiff({ tile: true, tileWidth: 128, tileHeight: 128, pyramid: true, compression: 'deflate' }).toFile(path);
    const slide = await open(path);
    const all = await slide.readRegion(0, 0, 0, width, height);
    expect(compareBytes(all.data, rgbToRgba(pattern)).differing).toBe(0);
  });

  for (const compression of ['jpeg', 'deflate'] as const) {
    it(`reads a BigTIFF pyramid (${compression})`, async () => {
      const path = join(tmp.dir, `pyramid-bigtiff-${compression}.tif`);
      await sharp(pattern, { raw: { width, height, channels: 3 } }).tiff({ tile: true, pyramid: true, bigtiff: true, compression }).toFile(path);
      expect((await readFile(path)).readUInt16LE(2)).toBe(43); // really BigTIFF
      const slide = await open(path);
      expect(slide.metadata.levels.length).toBeGreaterThan(1);
      const region = await slide.readRegion(300, 200, 0, 300, 300);
      const expected = await sharp(path).extract({ left: 300, top: 200, width: 300, height: 300 }).ensureAlpha().raw().toBuffer();
      expect(compareBytes(region.data, expected).differing).toBe(0);
    });
  }

  // sharp cannot write SubIFD pyramids; Debian's vips command line can.
  it.skipIf(!hasCommand('vips'))('finds the levels of a SubIFD pyramid (written by the vips command)', async () => {
    const source = join(tmp.dir, 'pattern-for-vips.png');
    const path = join(tmp.dir, 'pyramid-subifd.tif');
    await sharp(pattern, { raw: { width, height, channels: 3 } }).png().toFile(source);
    await promisify(execFile)('vips', ['tiffsave', source, path, '--tile', '--pyramid', '--subifd', '--compression', 'deflate']);
    const slide = await open(path);
    expect(slide.metadata.levels.slice(0, 3).map((l) => [l.width, l.height])).toEqual([
      [1000, 700],
      [500, 350],
      [250, 175],
    ]);
    const level1 = slide.metadata.levels[1];
    const region = await slide.readRegion(0, 0, 1, level1.width, level1.height);
    const expected = await sharp(pattern, { raw: { width, height, channels: 3 } }).resize(level1.width, level1.height).ensureAlpha().raw().toBuffer();
    expect(meanAbsoluteDifference(region.data, expected)).toBeLessThan(3);
  });
});
