/**
 * A 100,000 x 100,000 pixel slide opens without loading more than it needs. The slide is a
 * hand-written pyramidal TIFF (about 2 MB): every tile entry of every level points at one
 * shared 256-px JPEG, which TIFF allows and readers cannot tell apart from a real scan. Opening
 * it reads the directories and tile tables only; reading a few tiles decodes only those.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlideInfo } from '../api/contract';
import { StudioEngine } from '../engine/studio-engine';
import { rssMiB } from './support';

const SIDE = 100_000;
const TILE = 256;
/** Resident memory that opening the slide and reading a dozen tiles may add. */
const RSS_CEILING_MIB = 96;

/**
 * Classic little-endian TIFF: header, the shared JPEG tile, then one IFD per level (largest
 * first, in the main chain, as generic-tiff reads them), each followed by its tile tables.
 */
function hugePyramidTiff(jpeg: Buffer): Buffer {
  const levels: { width: number; height: number }[] = [];
  for (let w = SIDE, h = SIDE; ; w = Math.ceil(w / 2), h = Math.ceil(h / 2)) {
    levels.push({ width: w, height: h });
    if (w <= TILE && h <= TILE) break;
  }
  const parts: Buffer[] = [];
  let offset = 0;
  const push = (b: Buffer) => {
    parts.push(b);
    offset += b.length;
  };
  const header = Buffer.alloc(8);
  header.write('II', 0, 'latin1');
  header.writeUInt16LE(42, 2);
  push(header); // first-IFD offset patched below
  const jpegOffset = offset;
  push(jpeg);
  if (offset % 2) push(Buffer.alloc(1));

  const ENTRY_COUNT = 11;
  const ifdOffsets: number[] = [];
  levels.forEach((level, index) => {
    const across = Math.ceil(level.width / TILE);
    const down = Math.ceil(level.height / TILE);
    const n = across * down;
    const ifdSize = 2 + ENTRY_COUNT * 12 + 4;
    const ifdAt = offset;
    const bitsAt = ifdAt + ifdSize;
    const offsetsAt = bitsAt + 6 + 2; // 3 SHORTs, padded to a word
    const countsAt = offsetsAt + 4 * n;
    const ifd = Buffer.alloc(ifdSize);
    ifd.writeUInt16LE(ENTRY_COUNT, 0);
    let e = 2;
    const entry = (tag: number, type: number, count: number, value: number) => {
      ifd.writeUInt16LE(tag, e);
      ifd.writeUInt16LE(type, e + 2);
      ifd.writeUInt32LE(count, e + 4);
      if (type === 3 && count === 1) ifd.writeUInt16LE(value, e + 8);
      else ifd.writeUInt32LE(value, e + 8);
      e += 12;
    };
    const SHORT = 3;
    const LONG = 4;
    entry(254, LONG, 1, index === 0 ? 0 : 1); // NewSubfileType: reduced resolution below level 0
    entry(256, LONG, 1, level.width);
    entry(257, LONG, 1, level.height);
    entry(258, SHORT, 3, bitsAt); // BitsPerSample 8,8,8
    entry(259, SHORT, 1, 7); // JPEG
    entry(262, SHORT, 1, 6); // YCbCr, as sharp's JPEG is
    entry(277, SHORT, 1, 3);
    entry(322, SHORT, 1, TILE);
    entry(323, SHORT, 1, TILE);
    // One value fits in the entry itself, where TIFF then keeps it (no pointer to a table).
    entry(324, LONG, n, n === 1 ? jpegOffset : offsetsAt);
    entry(325, LONG, n, n === 1 ? jpeg.length : countsAt);
    ifd.writeUInt32LE(0, e); // next IFD, patched when the next level is written
    ifdOffsets.push(ifdAt);
    push(ifd);
    const bits = Buffer.alloc(8);
    bits.writeUInt16LE(8, 0);
    bits.writeUInt16LE(8, 2);
    bits.writeUInt16LE(8, 4);
    push(bits);
    const table = Buffer.alloc(8 * n);
    for (let i = 0; i < n; i++) {
      table.writeUInt32LE(jpegOffset, 4 * i);
      table.writeUInt32LE(jpeg.length, 4 * n + 4 * i);
    }
    push(table);
  });
  const file = Buffer.concat(parts);
  file.writeUInt32LE(ifdOffsets[0], 4);
  for (let i = 0; i + 1 < ifdOffsets.length; i++) file.writeUInt32LE(ifdOffsets[i + 1], ifdOffsets[i] + 2 + ENTRY_COUNT * 12);
  return file;
}

let work: string;
let slidePath: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'semimoe-huge-'));
  const jpeg = await sharp({ create: { width: TILE, height: TILE, channels: 3, background: { r: 220, g: 160, b: 200 }, noise: { type: 'gaussian', mean: 170, sigma: 30 } } })
    .jpeg({ quality: 80 })
    .toBuffer();
  slidePath = join(work, 'huge-100k.tif');
  writeFileSync(slidePath, hugePyramidTiff(jpeg));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('a 100,000 x 100,000 pixel slide', () => {
  it('opens and serves tiles at every zoom while reading only what it needs', async () => {
    const fileMiB = statSync(slidePath).size / (1024 * 1024);
    expect(fileMiB).toBeLessThan(4);
    const engine = new StudioEngine({ projectDir: join(work, 'project'), mode: 'web' });
    try {
      global.gc?.();
      const before = rssMiB();
      const started = performance.now();
      const info: SlideInfo = await engine.handle('slides:open', { path: slidePath });
      const openMs = performance.now() - started;
      expect([info.width, info.height]).toEqual([SIDE, SIDE]);
      expect(info.format).toBe('generic-tiff');
      expect(info.levels.length).toBeGreaterThanOrEqual(9);
      expect(info.tiles.maxLevel).toBe(17);

      // Full resolution (corners, centre, the cropped edge), middle zoom, the whole-slide overview.
      const max = info.tiles.maxLevel;
      const last = Math.ceil(SIDE / info.tiles.tileSize) - 1;
      const wanted: [number, number, number][] = [
        [max, 0, 0], [max, 195, 195], [max, last, last], [max, last, 0],
        [max - 3, 20, 20], [max - 6, 3, 3], [10, 0, 0], [9, 1, 1], [8, 0, 0], [4, 0, 0], [0, 0, 0],
      ];
      const tileStarted = performance.now();
      for (const [level, col, row] of wanted) {
        const tile = await engine.openSlides.readTile(info.id, level, col, row);
        const meta = await sharp(tile.bytes).metadata();
        const size = Math.ceil(SIDE / 2 ** (max - level));
        expect(meta.width, `${level}/${col}_${row}`).toBe(Math.min(info.tiles.tileSize, size - col * info.tiles.tileSize));
      }
      const tileMs = performance.now() - tileStarted;
      const growth = rssMiB() - before;
      console.log(
        `[huge] ${SIDE} x ${SIDE} px slide (${fileMiB.toFixed(1)} MiB file, ${info.levels.length} levels): open ${openMs.toFixed(0)} ms, ` +
          `${wanted.length} tiles ${tileMs.toFixed(0)} ms, RSS +${growth.toFixed(0)} MiB`,
      );
      // Decoding the full level would be 100,000^2 x 4 bytes = 37 GiB; the tables are ~1.2 MiB.
      expect(growth).toBeLessThan(RSS_CEILING_MIB);
      expect(openMs).toBeLessThan(15_000);
    } finally {
      await engine.close();
    }
  });
});
