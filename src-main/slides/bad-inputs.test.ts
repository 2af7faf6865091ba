/**
 * Every way a file can fail to be a slide gives a typed SlideError with a message a pathologist
 * can act on, and never a crash, a hang or a huge allocation.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeepZoomTiler } from './deepzoom';
import { SlideError } from './errors';
import { openSlide } from './registry';
import { TiffFile } from './tiff/tiff-file';
import { describePage, readTileTable } from './tiff/tiff-page';
import { compareBytes, makeTempDir, sharedSlide, testPattern } from './test-support';

let tmp: { dir: string; remove: () => Promise<void> };

beforeAll(async () => {
  tmp = await makeTempDir('bad-inputs');
});

afterAll(async () => {
  await tmp.remove();
});

/** The SlideError `promise` rejects with (fails the test if it resolves or throws something else). */
async function slideErrorOf(promise: Promise<unknown>): Promise<SlideError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SlideError);
  return error as SlideError;
}

/**
 * A minimal little-endian TIFF header: one IFD of 8-bit greyscale claiming `size` x `size`
 * pixels, either tiled (listing a single 256-px tile) or as one strip, and 16 bytes of "data".
 */
function hugeTiffHeader(size: number, layout: 'tiled' | 'strip'): Buffer {
  const entries: [number, number, number][] =
    layout === 'tiled'
      ? [[256, 4, size], [257, 4, size], [258, 3, 8], [259, 3, 1], [262, 3, 1], [277, 3, 1], [322, 3, 256], [323, 3, 256], [324, 4, 0], [325, 4, 16]]
      : [[256, 4, size], [257, 4, size], [258, 3, 8], [259, 3, 1], [262, 3, 1], [273, 4, 0], [277, 3, 1], [278, 4, size], [279, 4, 16]];
  const ifdSize = 2 + entries.length * 12 + 4;
  const dataOffset = 8 + ifdSize;
  const file = Buffer.alloc(dataOffset + 16);
  file.write('II', 0, 'latin1');
  file.writeUInt16LE(42, 2);
  file.writeUInt32LE(8, 4);
  file.writeUInt16LE(entries.length, 8);
  entries.forEach(([tag, type, value], i) => {
    const at = 10 + i * 12;
    file.writeUInt16LE(tag, at);
    file.writeUInt16LE(type, at + 2);
    file.writeUInt32LE(1, at + 4);
    const v = tag === 273 || tag === 324 ? dataOffset : value;
    if (type === 3) file.writeUInt16LE(v, at + 8);
    else file.writeUInt32LE(v, at + 8);
  });
  return file;
}

describe('openSlide on bad input', () => {
  it('a missing path is not-found', async () => {
    const error = await slideErrorOf(openSlide(join(tmp.dir, 'no-such-slide.svs')));
    expect(error.code).toBe('not-found');
    expect(error.message).toContain('no-such-slide.svs');
  });

  it('a directory is not-a-file', async () => {
    const dir = join(tmp.dir, 'folder.svs');
    await mkdir(dir);
    expect((await slideErrorOf(openSlide(dir))).code).toBe('not-a-file');
  });

  it('an empty file is empty-file', async () => {
    const path = join(tmp.dir, 'empty.svs');
    await writeFile(path, '');
    const error = await slideErrorOf(openSlide(path));
    expect(error.code).toBe('empty-file');
    expect(error.message).toMatch(/empty \(0 bytes\)/);
  });

  it('a PNG renamed .svs says so', async () => {
    const path = join(tmp.dir, 'really-a-png.svs');
    await sharp({ create: { width: 20, height: 20, channels: 3, background: '#ff0000' } }).png().toFile(path);
    const error = await slideErrorOf(openSlide(path));
    expect(error.code).toBe('unsupported-format');
    expect(error.message).toMatch(/^This file is a PNG image renamed \.svs/);
  });

  it('an unknown file lists every reader and why it said no', async () => {
    const path = join(tmp.dir, 'notes.svs');
    await writeFile(path, 'not a slide at all\n');
    const error = await slideErrorOf(openSlide(path));
    expect(error.code).toBe('unsupported-format');
    for (const name of ['aperio-svs', 'openslide', 'generic-tiff', 'image']) expect(error.message).toContain(`${name}:`);
  });

  it('a truncated pyramidal TIFF is corrupt-slide and says truncated', async () => {
    const whole = join(tmp.dir, 'whole.tif');
    const pattern = testPattern(600, 500);
    await sharp(pattern, { raw: { width: 600, height: 500, channels: 3 } }).tiff({ tile: true, pyramid: true, compression: 'jpeg' }).toFile(whole);
    const bytes = await readFile(whole);
    for (const fraction of [0.3, 0.6, 0.9]) {
      const cut = join(tmp.dir, `cut-${fraction}.tif`);
      await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length * fraction)));
      const error = await slideErrorOf(openSlide(cut));
      expect(error.code, `cut at ${fraction}`).toBe('corrupt-slide');
      expect(error.message).toMatch(/truncated/);
    }
  });

  it.skipIf(!sharedSlide('CMU-1-Small-Region.svs'))('a truncated SVS (CMU-1 cut short) is corrupt-slide', async () => {
    const bytes = await readFile(sharedSlide('CMU-1-Small-Region.svs')!);
    for (const fraction of [0.5, 0.95]) {
      const path = join(tmp.dir, `cmu-1-cut-${fraction}.svs`);
      await writeFile(path, bytes.subarray(0, Math.floor(bytes.length * fraction)));
      const error = await slideErrorOf(openSlide(path));
      expect(error.code, `cut at ${fraction}`).toBe('corrupt-slide');
      expect(error.message).toMatch(/truncated/);
    }
  });

  it('a TIFF header claiming 10^6 x 10^6 pixels is refused at once, without allocating it', async () => {
    const rssBefore = process.memoryUsage().rss;
    const tiled = join(tmp.dir, 'bomb-tiled.tif');
    await writeFile(tiled, hugeTiffHeader(1_000_000, 'tiled'));
    const tiledError = await slideErrorOf(openSlide(tiled));
    expect(tiledError.code).toBe('corrupt-slide');
    expect(tiledError.message).toMatch(/1000000 x 1000000 pixels but lists only 1 of its \d+ tiles/);

    const strip = join(tmp.dir, 'bomb-strip.tif');
    await writeFile(strip, hugeTiffHeader(1_000_000, 'strip'));
    const stripError = await slideErrorOf(openSlide(strip));
    expect(stripError.code).toBe('too-large');
    expect(stripError.message).toMatch(/1000000 x 1000000 pixels/);
    expect(stripError.message).toMatch(/tiled pyramidal TIFF/);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);
  });
});

describe('a damaged tile in an otherwise good slide', () => {
  const width = 1024;
  const height = 768;
  const pattern = testPattern(width, height);

  /** Copies `good` and overwrites the bytes of tile (tx, ty) of the first image with `fill`. */
  async function damageTile(good: string, damaged: string, tx: number, ty: number, fill: (tile: Buffer) => void): Promise<void> {
    await copyFile(good, damaged);
    const file = await TiffFile.open(good);
    const table = await readTileTable(file, await describePage(file, file.directories[0], 0));
    await file.close();
    const bytes = await readFile(damaged);
    const index = ty * table.tilesAcross + tx;
    fill(bytes.subarray(table.offsets[index], table.offsets[index] + table.byteCounts[index]));
    await writeFile(damaged, bytes);
  }

  for (const compression of ['jpeg', 'deflate'] as const) {
    it(`fails that tile alone with tile-failed (${compression} tiles)`, async () => {
      const good = join(tmp.dir, `good-${compression}.tif`);
      const damaged = join(tmp.dir, `damaged-${compression}.tif`);
      await sharp(pattern, { raw: { width, height, channels: 3 } }).tiff({ tile: true, tileWidth: 256, tileHeight: 256, compression }).toFile(good);
      await damageTile(good, damaged, 1, 1, (tile) => tile.fill(0));

      const [goodSlide, slide] = await Promise.all([openSlide(good), openSlide(damaged)]);
      try {
        const error = await slideErrorOf(slide.readRegion(300, 300, 0, 100, 100));
        expect(error.code).toBe('tile-failed');
        expect(error.message).toMatch(/Tile 1,1 .* damaged/);
        // Its neighbours read, and read the same as in the undamaged file.
        for (const [x, y] of [[0, 0], [512, 256], [256, 512]]) {
          const [a, b] = await Promise.all([slide.readRegion(x, y, 0, 256, 256), goodSlide.readRegion(x, y, 0, 256, 256)]);
          expect(compareBytes(a.data, b.data).differing).toBe(0);
        }
        // The viewer sees the same: that Deep Zoom tile fails, the next one is served.
        const tiler = new DeepZoomTiler(slide);
        const max = tiler.geometry.maxLevel;
        expect((await slideErrorOf(tiler.getTile(max, 1, 1))).code).toBe('tile-failed');
        expect((await tiler.getTile(max, 2, 1)).length).toBeGreaterThan(100);
      } finally {
        await Promise.all([goodSlide.close(), slide.close()]);
      }
    });
  }

  it('a JPEG tile with garbage after its header also fails alone', async () => {
    const good = join(tmp.dir, 'good-garbled.tif');
    const damaged = join(tmp.dir, 'damaged-garbled.tif');
    await sharp(pattern, { raw: { width, height, channels: 3 } }).tiff({ tile: true, tileWidth: 256, tileHeight: 256, compression: 'jpeg' }).toFile(good);
    // Keep the tile's SOI and headers; cut its entropy-coded data short with an EOI marker.
    await damageTile(good, damaged, 2, 0, (tile) => {
      const sos = tile.indexOf(Buffer.from([0xff, 0xda]));
      tile.fill(0xff, sos + 20);
      tile[tile.length - 1] = 0xd9;
    });
    const slide = await openSlide(damaged);
    try {
      expect((await slideErrorOf(slide.readRegion(512, 0, 0, 256, 256))).code).toBe('tile-failed');
      expect((await slide.readRegion(0, 0, 0, 256, 256)).width).toBe(256);
    } finally {
      await slide.close();
    }
  });
});
