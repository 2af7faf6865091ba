import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSlide } from '../slides/registry';
import { generateSampleSlide, type SampleSlide } from '../slides/sample';
import { makeTempDir, sharedSlide } from '../slides/test-support';
import type { SlideSource } from '../slides/types';
import { layoutFields } from './fields';
import { clipToSlide, pickLevel, readRegionAtMpp } from './region';
import { tissueBounds, tissueFraction, tissueMask } from './tissue';

let tmp: { dir: string; remove: () => Promise<void> };
let sample: SampleSlide;
let slide: SlideSource;

beforeAll(async () => {
  tmp = await makeTempDir('inference-tissue');
  sample = await generateSampleSlide(tmp.dir, { width: 2048, height: 1536 });
  slide = await openSlide(sample.slidePath);
});
afterAll(async () => {
  await slide?.close();
  await tmp.remove();
});

/** HSV saturation of an RGBA pixel, 0..1. */
const saturation = (d: Buffer, i: number) => {
  const max = Math.max(d[i], d[i + 1], d[i + 2]);
  return max === 0 ? 0 : (max - Math.min(d[i], d[i + 1], d[i + 2])) / max;
};

describe('tissue mask', () => {
  it('finds the sample tissue: every gland centre is tissue, and what it calls glass is unstained', async () => {
    const t = await tissueMask(slide);
    expect(t.mpp).toBe(16);
    expect(t.width).toBe(64);
    expect(t.height).toBe(48);
    const fraction = t.mask.reduce((a, b) => a + b, 0) / t.mask.length;
    expect(fraction).toBeGreaterThan(0.3);
    expect(fraction).toBeLessThan(0.99);
    for (const g of sample.manifest.glands) expect(tissueFraction(t, { x: g.cx - 1, y: g.cy - 1, width: 2, height: 2 })).toBe(1);
    // Check the glass against level-0 pixels: mean saturation of non-tissue mask cells is low.
    const level = await slide.readRegion(0, 0, 2, 512, 384); // downsample 4
    let glassSat = 0;
    let glassN = 0;
    let tissueSat = 0;
    let tissueN = 0;
    for (let y = 0; y < 384; y++) {
      for (let x = 0; x < 512; x++) {
        const m = t.mask[Math.floor((y * 4) / t.scale[1]) * t.width + Math.floor((x * 4) / t.scale[0])];
        const s = saturation(level.data, (y * 512 + x) * 4);
        if (m) {
          tissueSat += s;
          tissueN++;
        } else {
          glassSat += s;
          glassN++;
        }
      }
    }
    expect(glassN).toBeGreaterThan(0);
    console.log(`tissue ${(fraction * 100).toFixed(1)}%, threshold ${t.threshold.toFixed(3)}, mean saturation: glass ${(glassSat / glassN).toFixed(3)}, tissue ${(tissueSat / tissueN).toFixed(3)}`);
    expect(glassSat / glassN).toBeLessThan(0.08);
    expect(tissueSat / tissueN).toBeGreaterThan(0.2);
    const bounds = tissueBounds(t)!;
    expect(bounds.width).toBeGreaterThan(1000);
    const fields = layoutFields('s', slide.metadata, t, { fieldSizeUm: 128 });
    expect(fields.length).toBeGreaterThan(10);
    expect(fields.every((f) => f.width === 256 && f.tissueFraction >= 0.5)).toBe(true);
  });

  it('on CMU-1-Small-Region.svs (shared data) when present', async (ctx) => {
    const path = sharedSlide('CMU-1-Small-Region.svs');
    if (!path) {
      console.log('skipped: /work/shared/data/slides/CMU-1-Small-Region.svs is absent');
      ctx.skip();
      return;
    }
    const cmu = await openSlide(path);
    try {
      const t = await tissueMask(cmu);
      const fraction = t.mask.reduce((a, b) => a + b, 0) / t.mask.length;
      console.log(`CMU-1-Small-Region: ${t.width} x ${t.height} mask, tissue ${(fraction * 100).toFixed(1)}%, threshold ${t.threshold.toFixed(3)}`);
      // A strip of skin running top to bottom, glass on both sides (checked by eye on a render).
      expect(fraction).toBeGreaterThan(0.25);
      expect(fraction).toBeLessThan(0.6);
      const W = cmu.metadata.width;
      const H = cmu.metadata.height;
      expect(tissueFraction(t, { x: 0, y: 0, width: W * 0.2, height: H * 0.3 })).toBeLessThan(0.05);
      expect(tissueFraction(t, { x: W * 0.8, y: 0, width: W * 0.2, height: H * 0.3 })).toBeLessThan(0.05);
      expect(tissueFraction(t, { x: W * 0.4, y: H * 0.6, width: W * 0.2, height: H * 0.3 })).toBeGreaterThan(0.95);
      expect(layoutFields('cmu', cmu.metadata, t, { fieldSizeUm: 200 }).length).toBeGreaterThan(5);
    } finally {
      await cmu.close();
    }
  });
});

describe('reading a region at the model resolution', () => {
  it('picks the coarsest level at or finer than needed', () => {
    expect(pickLevel([1, 2, 4, 8, 16], 2.48)).toBe(1);
    expect(pickLevel([1, 4.000457, 16.0018], 4)).toBe(1);
    expect(pickLevel([1, 2, 4], 0.5)).toBe(0);
    expect(() => clipToSlide({ x: 5000, y: 0, width: 10, height: 10 }, 100, 100)).toThrow(/outside/);
    expect(clipToSlide({ x: -10, y: 90, width: 50, height: 50 }, 100, 100)).toEqual({ x: 0, y: 90, width: 40, height: 10 });
  });

  it('resamples from level 1 to 1.24 um/px and matches a resample of level 0', async () => {
    const region = { x: 500, y: 400, width: 620, height: 496 };
    const img = await readRegionAtMpp(slide, region, 1.24);
    expect(img.level).toBe(1); // 0.5 um/px x 2 = 1.0 <= 1.24 < 2.0
    expect([img.width, img.height]).toEqual([250, 200]);
    expect(img.scale[0]).toBeCloseTo(2.48, 6);
    expect(img.mppAssumed).toBe(false);
    const ref = await sharp(await slide.readRegion(region.x, region.y, 0, region.width, region.height).then((p) => p.data), { raw: { width: 620, height: 496, channels: 4 } })
      .removeAlpha()
      .resize(250, 200, { fit: 'fill', kernel: 'lanczos3' })
      .raw()
      .toBuffer();
    let diff = 0;
    for (let i = 0; i < ref.length; i++) diff += Math.abs(ref[i] - img.rgb[i]);
    // Different source levels and JPEG tiles: close on average, not identical.
    expect(diff / ref.length).toBeLessThan(12);
  });

  it('clips to the slide, fills outside with white, and assumes the model mpp when the slide has none', async () => {
    const edge = await readRegionAtMpp(slide, { x: 1900, y: 1400, width: 400, height: 400 }, 1.24);
    expect(edge.bounds).toEqual({ x: 1900, y: 1400, width: 148, height: 136 });
    const noMpp: SlideSource = { ...slide, metadata: { ...slide.metadata, mpp: null }, readRegion: (...a) => slide.readRegion(...a) };
    const img = await readRegionAtMpp(noMpp, { x: 0, y: 0, width: 300, height: 200 }, 1.24);
    expect(img.mppAssumed).toBe(true);
    expect([img.width, img.height, img.level]).toEqual([300, 200, 0]);
  });
});
