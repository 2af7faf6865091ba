/**
 * The readers on real slides from ../shared/data/slides, compared pixel for pixel with OpenSlide
 * (openslide-write-png, Debian's OpenSlide 3.4.1) for the same read_region arguments.
 * Skipped, with a message, where the shared data or the OpenSlide tools are absent.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeepZoomTiler } from './deepzoom';
import { tryLoadOpenSlide } from './openslide/library';
import { OpenSlideSource } from './openslide/openslide-source';
import { openSlide } from './registry';
import { SHARED_SLIDES_DIR, compareBytes, hasCommand, makeTempDir, openslideReference, sharedSlide } from './test-support';
import type { SlideSource } from './types';

const cmu1 = sharedSlide('CMU-1-Small-Region.svs');
const tiny = sharedSlide('tiny-16px.svs');
const ndpi = sharedSlide('test3-DAPI-387.ndpi');
const haveTools = hasCommand('openslide-write-png') && tryLoadOpenSlide() !== null;
if (!cmu1 || !tiny || !ndpi) console.warn(`[slides] shared slides missing under ${SHARED_SLIDES_DIR}: their tests are skipped`);
if (!haveTools) console.warn('[slides] openslide-write-png or libopenslide0 missing: OpenSlide comparisons are skipped');

let tmp: { dir: string; remove: () => Promise<void> };
const opened: SlideSource[] = [];

beforeAll(async () => {
  tmp = await makeTempDir('shared');
});

afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
  await tmp.remove();
});

async function open(path: string): Promise<SlideSource> {
  const source = await openSlide(path);
  opened.push(source);
  return source;
}

/** Our readRegion against openslide-write-png for each [x, y, level, w, h]: every byte equal, alpha included. */
async function expectSameAsOpenSlide(slide: SlideSource, regions: number[][]): Promise<void> {
  for (const [x, y, level, w, h] of regions) {
    const ours = await slide.readRegion(x, y, level, w, h);
    const reference = await openslideReference(slide.path, x, y, level, w, h, tmp.dir);
    expect(compareBytes(ours.data, reference), `region ${x},${y} level ${level} ${w}x${h}`).toEqual({ differing: 0, maxDelta: 0 });
  }
}

describe.skipIf(!cmu1 || !haveTools)('CMU-1-Small-Region.svs (Aperio, read through sharp)', () => {
  it('has OpenSlide’s metadata', async () => {
    const slide = await open(cmu1!);
    expect(slide.metadata).toMatchObject({ format: 'aperio-svs', vendor: 'aperio', width: 2220, height: 2967, mpp: [0.499, 0.499], objectivePower: 20 });
    expect(slide.metadata.levels).toEqual([{ width: 2220, height: 2967, downsample: 1 }]);
    expect([...slide.metadata.associatedImages].sort()).toEqual(['label', 'macro', 'thumbnail']);
    // Every aperio.* property OpenSlide reports, with the same value.
    const reference = await OpenSlideSource.open(cmu1!);
    try {
      const aperio = Object.entries(reference.metadata.properties).filter(([key]) => key.startsWith('aperio.'));
      expect(aperio.length).toBeGreaterThan(10);
      for (const [key, value] of aperio) expect(slide.metadata.properties[key], key).toBe(value);
    } finally {
      await reference.close();
    }
  });

  it('reads the same pixels as OpenSlide, inside, across tiles, at the edges and outside', async () => {
    const slide = await open(cmu1!);
    await expectSameAsOpenSlide(slide, [
      [0, 0, 0, 256, 256],
      [1000, 1500, 0, 517, 389],
      [2100, 2900, 0, 256, 256],
      [-50, -70, 0, 120, 140],
      [5000, 5000, 0, 10, 10],
    ]);
  });

  it('serves full-resolution Deep Zoom tiles equal to OpenSlide regions', async () => {
    const slide = await open(cmu1!);
    const tiler = new DeepZoomTiler(slide, { format: 'png' });
    const max = tiler.geometry.maxLevel;
    for (const [col, row] of [[2, 3], [8, 11]]) {
      const { data, info } = await sharp(await tiler.getTile(max, col, row)).raw().toBuffer({ resolveWithObject: true });
      const reference = await openslideReference(cmu1!, col * 256, row * 256, 0, info.width, info.height, tmp.dir);
      expect(compareBytes(data, reference).differing, `tile ${col},${row}`).toBe(0);
    }
  });

  it("with tileSize 'native', serves the file's own 240-px JPEG tiles untouched", async () => {
    const slide = await open(cmu1!);
    const tiler = new DeepZoomTiler(slide, { tileSize: 'native' });
    expect(tiler.geometry.tileSize).toBe(240);
    const tile = await tiler.getTile(tiler.geometry.maxLevel, 4, 5);
    const { data, info } = await sharp(tile).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([240, 240]);
    expect(compareBytes(data, await openslideReference(cmu1!, 4 * 240, 5 * 240, 0, 240, 240, tmp.dir)).differing).toBe(0);
  });

  it('reads associated images as PNG of the right size', async () => {
    const slide = await open(cmu1!);
    const label = await sharp(await slide.readAssociated('label')).metadata();
    expect([label.format, label.width, label.height]).toEqual(['png', 387, 463]);
    const thumbnail = await sharp(await slide.readAssociated('thumbnail')).metadata();
    expect([thumbnail.width, thumbnail.height]).toEqual([574, 768]);
  });

  it('gives the same pixels through the OpenSlide reader (checks the koffi binding and un-premultiplying)', async () => {
    const viaOpenSlide = await OpenSlideSource.open(cmu1!);
    opened.push(viaOpenSlide);
    await expectSameAsOpenSlide(viaOpenSlide, [[300, 400, 0, 300, 200], [-20, -20, 0, 60, 60]]);
  });
});

describe.skipIf(!tiny || !haveTools)('tiny-16px.svs (a slide smaller than one tile)', () => {
  it('reads like OpenSlide and makes a one-tile pyramid', async () => {
    const slide = await open(tiny!);
    expect(slide.metadata).toMatchObject({ format: 'aperio-svs', width: 16, height: 16, associatedImages: ['thumbnail'] });
    await expectSameAsOpenSlide(slide, [
      [0, 0, 0, 16, 16],
      [-4, -4, 0, 32, 32],
      [15, 15, 0, 3, 3],
    ]);
    const tiler = new DeepZoomTiler(slide, { format: 'png' });
    expect(tiler.geometry.maxLevel).toBe(4);
    expect(tiler.tileGrid(4)).toEqual({ cols: 1, rows: 1 });
    const { data, info } = await sharp(await tiler.getTile(4, 0, 0)).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([16, 16]);
    expect(compareBytes(data, await openslideReference(tiny!, 0, 0, 0, 16, 16, tmp.dir)).differing).toBe(0);
  });
});

describe.skipIf(!ndpi || !haveTools)('test3-DAPI-387.ndpi (Hamamatsu, read through OpenSlide)', () => {
  it('has OpenSlide’s metadata and pyramid', async () => {
    const slide = await open(ndpi!);
    expect(slide.metadata).toMatchObject({ format: 'openslide', vendor: 'hamamatsu', width: 3968, height: 4864, objectivePower: 40 });
    expect(slide.metadata.levels.map((l) => [l.width, l.height, l.downsample])).toEqual([
      [3968, 4864, 1],
      [1984, 2432, 2],
      [992, 1216, 4],
      [496, 608, 8],
      [248, 304, 16],
      [124, 152, 32],
      [62, 76, 64],
    ]);
    expect(slide.metadata.mpp?.[0]).toBeCloseTo(0.2281750559, 8);
    expect(slide.metadata.associatedImages).toContain('macro');
  });

  it('reads the same pixels as openslide-write-png at several levels', async () => {
    const slide = await open(ndpi!);
    await expectSameAsOpenSlide(slide, [
      [1024, 2048, 0, 256, 256],
      [3900, 4800, 0, 128, 128],
      [512, 512, 2, 300, 200],
      [0, 0, 6, 70, 80],
    ]);
  });

  it('serves Deep Zoom tiles from the matching level, and the macro image', async () => {
    const slide = await open(ndpi!);
    const tiler = new DeepZoomTiler(slide, { format: 'png' });
    // maxLevel 13; level 11 has downsample 4 = slide level 2 exactly, so the tile is that level's pixels.
    const { data, info } = await sharp(await tiler.getTile(11, 1, 1)).raw().toBuffer({ resolveWithObject: true });
    expect(compareBytes(data, await openslideReference(ndpi!, 1024, 1024, 2, info.width, info.height, tmp.dir)).differing).toBe(0);
    const macro = await sharp(await slide.readAssociated('macro')).metadata();
    expect(macro.format).toBe('png');
    expect(macro.width).toBeGreaterThan(100);
  });
});
