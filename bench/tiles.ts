/**
 * Tile latency: Semi-MoE Studio's viewer path (openSlide + DeepZoomTiler + tile cache, the code
 * the tile endpoints run) against OpenSlide through koffi, in the same run, on the same tiles.
 *
 *   npx tsx bench/tiles.ts [--tiles N] [--rounds R]
 *
 * For each slide, N full-resolution 256 x 256 Deep Zoom tiles at seeded random positions, none
 * repeated, requested one at a time:
 *   ours cold     fresh slide handle, tiler and caches; each tile requested for the first time:
 *                 read + decode + assemble + JPEG encode (q85), or the file's own JPEG tile
 *                 when the grids line up (pass-through)
 *   ours cached   the same tiles again through the same tiler (encoded-tile cache hits)
 *   OpenSlide     fresh handle; openslide_read_region of the same 256 x 256 region (raw
 *                 premultiplied ARGB: no conversion, no encoding), async on koffi's worker
 *   OpenSlide+enc the same plus what a tile server must add: un-premultiply to RGBA and the
 *                 same sharp JPEG encode (q85) our tiles get
 * The 'native' row serves Aperio's own 240-px tiles (OpenSlide still reads 256 x 256 there, so
 * its tiles are 12% smaller: compare it as 'what the viewer waits for', not byte for byte).
 * Both sides keep their own decoded-tile caches warm within a round (OpenSlide's 32 MiB cache,
 * ours 48 MiB), as a viewer session would. Medians over all rounds. The files are read once
 * before timing so both sides start with the OS page cache warm.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { DeepZoomTiler } from '../src-main/slides/deepzoom';
import { tryLoadOpenSlide, type OpenSlideLibrary } from '../src-main/slides/openslide/library';
import { argbPremultipliedToRgba } from '../src-main/slides/pixels';
import { openSlide } from '../src-main/slides/registry';
import { generateSampleSlide } from '../src-main/slides/sample';
import { seededRandom } from '../src-main/slides/sample/random';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SHARED_SLIDES = resolve(root, '../shared/data/slides');
const TILE = 256;

interface Timings {
  oursCold: number[];
  oursCached: number[];
  openslide: number[];
  openslideEncode: number[];
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

/** Seeded, distinct, full (uncropped) tiles of the full-resolution Deep Zoom level. */
function pickTiles(width: number, height: number, count: number, seed: number): [number, number][] {
  const cols = Math.floor(width / TILE);
  const rows = Math.floor(height / TILE);
  const all: [number, number][] = [];
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) all.push([c, r]);
  const random = seededRandom(seed);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, count);
}

async function benchOurs(path: string, tiles: [number, number][], tileSize: number | 'native', into: Timings): Promise<void> {
  const source = await openSlide(path);
  try {
    const tiler = new DeepZoomTiler(source, { tileSize }); // fresh encoded-tile cache; fresh source = fresh decoded-tile cache
    const level = tiler.geometry.maxLevel;
    const side = tiler.geometry.tileSize;
    // The same level-0 regions as OpenSlide reads, in this tiler's grid (equal when side is 256).
    const address = ([col, row]: [number, number]): [number, number] => [Math.floor((col * TILE) / side), Math.floor((row * TILE) / side)];
    for (const tile of tiles) into.oursCold.push(await timed(() => tiler.getTile(level, ...address(tile))));
    for (const tile of tiles) into.oursCached.push(await timed(() => tiler.getTile(level, ...address(tile))));
  } finally {
    await source.close();
  }
}

async function benchOpenSlide(library: OpenSlideLibrary, path: string, tiles: [number, number][], into: Timings): Promise<void> {
  for (const encode of [false, true]) {
    const handle = library.open(path); // fresh handle: OpenSlide's tile cache starts empty
    if (!handle) throw new Error(`OpenSlide cannot open ${path}`);
    try {
      for (const [col, row] of tiles) {
        const argb = new Uint32Array(TILE * TILE);
        const ms = await timed(async () => {
          await library.readRegion(handle, argb, col * TILE, row * TILE, 0, TILE, TILE);
          if (!encode) return;
          const rgba = argbPremultipliedToRgba(argb);
          await sharp(rgba, { raw: { width: TILE, height: TILE, channels: 4 } }).removeAlpha().jpeg({ quality: 85, optimiseCoding: false }).toBuffer();
        });
        (encode ? into.openslideEncode : into.openslide).push(ms);
      }
      const error = library.error(handle);
      if (error) throw new Error(`OpenSlide: ${error}`);
    } finally {
      library.close(handle);
    }
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { tiles: { type: 'string', default: '60' }, rounds: { type: 'string', default: '3' } } });
  const tileCount = Number(values.tiles);
  const rounds = Number(values.rounds);
  const cmu1 = join(SHARED_SLIDES, 'CMU-1-Small-Region.svs');
  if (!existsSync(cmu1)) {
    console.log(`bench/tiles: skipped: the shared slides are not at ${SHARED_SLIDES}`);
    return 0;
  }
  const library = tryLoadOpenSlide();
  if (!library) {
    console.log('bench/tiles: skipped: libopenslide is not installed (apt-get install libopenslide0)');
    return 0;
  }
  const sample = await generateSampleSlide(join(root, 'resources', 'sample'));
  const slides: { name: string; path: string; tileSize: number | 'native' }[] = [
    { name: 'CMU-1-Small-Region.svs (Aperio, 240-px JPEG tiles), 256-px viewer tiles: decode + re-encode', path: cmu1, tileSize: 256 },
    { name: "CMU-1-Small-Region.svs, tileSize 'native' (240-px viewer tiles): pass-through", path: cmu1, tileSize: 'native' },
    { name: 'generated sample (generic TIFF, 256-px JPEG tiles), 256-px viewer tiles: pass-through', path: sample.slidePath, tileSize: 256 },
  ];

  console.log(`Tile latency, ${tileCount} distinct 256-px tiles x ${rounds} rounds, one request at a time; sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips}), OpenSlide ${library.version}\n`);
  const results = [];
  for (const slide of slides) {
    await readFile(slide.path); // warm the OS page cache for both sides
    const probe = await openSlide(slide.path);
    const tiles = pickTiles(probe.metadata.width, probe.metadata.height, tileCount, 1234);
    await probe.close();
    const timings: Timings = { oursCold: [], oursCached: [], openslide: [], openslideEncode: [] };
    for (let round = 0; round < rounds; round++) {
      await benchOurs(slide.path, tiles, slide.tileSize, timings);
      await benchOpenSlide(library, slide.path, tiles, timings);
    }
    const m = {
      oursCold: median(timings.oursCold),
      oursCached: median(timings.oursCached),
      openslide: median(timings.openslide),
      openslideEncode: median(timings.openslideEncode),
    };
    results.push({ slide: slide.name, tileSize: slide.tileSize, tiles: tiles.length, rounds, medianMs: m, ratioColdVsReadRegion: m.oursCold / m.openslide, ratioColdVsReadRegionPlusEncode: m.oursCold / m.openslideEncode });
    console.log(slide.name);
    console.log(`  ours cold        ${m.oursCold.toFixed(3)} ms/tile   (read + decode + encode, or pass-through)`);
    console.log(`  ours cached      ${m.oursCached.toFixed(4)} ms/tile   (goal < 0.3 ms)`);
    console.log(`  OpenSlide        ${m.openslide.toFixed(3)} ms/tile   (read_region only, raw ARGB)`);
    console.log(`  OpenSlide+enc    ${m.openslideEncode.toFixed(3)} ms/tile   (read_region + un-premultiply + same JPEG encode)`);
    console.log(`  ratio ours cold / OpenSlide read_region        ${(m.oursCold / m.openslide).toFixed(2)}x   (goal <= 0.7x)`);
    console.log(`  ratio ours cold / OpenSlide read_region+encode ${(m.oursCold / m.openslideEncode).toFixed(2)}x\n`);
  }
  const outDir = join(root, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'tiles.json'), `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`);
  return 0;
}

process.exitCode = await main();
