import { stat } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeepZoomTiler } from './deepzoom';
import { openSlide } from './registry';
import { generateSampleSlide, type SampleSlide } from './sample';
import { glandZone } from './sample/tissue-painter';
import { compareBytes, makeTempDir } from './test-support';

let tmp: { dir: string; remove: () => Promise<void> };
/** A small sample (1024 x 768) keeps these tests quick; the full size is checked once below. */
let small: SampleSlide;

beforeAll(async () => {
  tmp = await makeTempDir('sample');
  small = await generateSampleSlide(`${tmp.dir}/a`, { width: 1024, height: 768 });
});

afterAll(async () => {
  await tmp.remove();
});

describe('generateSampleSlide', () => {
  it('writes a tiled pyramidal TIFF at 0.5 um/px that the generic-tiff reader opens', async () => {
    const slide = await openSlide(small.slidePath);
    try {
      expect(slide.metadata).toMatchObject({ format: 'generic-tiff', width: 1024, height: 768 });
      expect(slide.metadata.mpp?.[0]).toBeCloseTo(0.5, 6);
      expect(slide.metadata.mpp?.[1]).toBeCloseTo(0.5, 6);
      expect(slide.metadata.levels.length).toBeGreaterThanOrEqual(3);
    } finally {
      await slide.close();
    }
  });

  it('is deterministic: the same seed gives the same mask, labels and glands', async () => {
    const again = await generateSampleSlide(`${tmp.dir}/b`, { width: 1024, height: 768 });
    expect(again.manifest.glands).toEqual(small.manifest.glands);
    const [maskA, maskB] = await Promise.all([small.maskPath, again.maskPath].map((p) => sharp(p).raw().toBuffer()));
    expect(compareBytes(maskA, maskB).differing).toBe(0);
    const other = await generateSampleSlide(`${tmp.dir}/c`, { width: 1024, height: 768, seed: 7 });
    expect(other.manifest.glands).not.toEqual(small.manifest.glands);
  });

  it('has glands in its ground truth that agree with the painted pixels', async () => {
    const { glands } = small.manifest;
    expect(glands.length).toBeGreaterThanOrEqual(5);
    expect((await sharp(small.maskPath).metadata()).channels).toBe(1);
    expect((await sharp(small.labelsPath).metadata()).channels).toBe(1);
    // sharp turns greyscale into sRGB on raw output unless told to keep it single-channel.
    const mask = await sharp(small.maskPath).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    const labels = await sharp(small.labelsPath).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    expect(mask.info.channels).toBe(1);
    expect(new Set(mask.data)).toEqual(new Set([0, 255]));
    const slide = await openSlide(small.slidePath);
    try {
      for (const gland of glands) {
        const cx = Math.round(gland.cx);
        const cy = Math.round(gland.cy);
        const i = cy * 1024 + cx;
        // The centre is lumen: in the mask, labelled with this gland's id, and nearly white.
        expect(glandZone(gland, cx, cy).zone).toBe('lumen');
        expect(mask.data[i]).toBe(255);
        expect(labels.data[i]).toBe(gland.id);
        const centre = await slide.readRegion(cx - 2, cy - 2, 0, 5, 5);
        const meanGreen = [...centre.data].filter((_, k) => k % 4 === 1).reduce((a, b) => a + b, 0) / 25;
        expect(meanGreen).toBeGreaterThan(200);
      }
      // Background pixels far from every gland are unlabelled.
      const background = mask.data.findIndex((v, k) => v === 0 && labels.data[k] !== 0);
      expect(background).toBe(-1);
    } finally {
      await slide.close();
    }
  });

  it('reuses files of the current version instead of regenerating', async () => {
    const before = (await stat(small.slidePath)).mtimeMs;
    const reused = await generateSampleSlide(`${tmp.dir}/a`, { width: 1024, height: 768 });
    expect(reused.generated).toBe(false);
    expect((await stat(small.slidePath)).mtimeMs).toBe(before);
  });

  it('generates the full-size default (4096 x 3072) in seconds, with tiles the viewer can pass through', async () => {
    const started = performance.now();
    const full = await generateSampleSlide(`${tmp.dir}/full`);
    const seconds = (performance.now() - started) / 1000;
    expect(full.manifest).toMatchObject({ width: 4096, height: 3072, objectivePower: 20 });
    expect(seconds).toBeLessThan(20); // ~5 s here; generous for a loaded 2-core machine
    const slide = await openSlide(full.slidePath);
    try {
      const tiler = new DeepZoomTiler(slide);
      const tile = await tiler.getTile(tiler.geometry.maxLevel, 3, 2);
      // Pass-through: the tile is the file's own JPEG tile, which decodes to the slide's pixels exactly.
      const decoded = await sharp(tile).ensureAlpha().raw().toBuffer();
      const region = await slide.readRegion(3 * 256, 2 * 256, 0, 256, 256);
      expect(compareBytes(decoded, region.data).differing).toBe(0);
    } finally {
      await slide.close();
    }
  });
});
