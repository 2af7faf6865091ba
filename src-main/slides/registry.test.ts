import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLIDE_FORMATS, chooseFormat } from './registry';
import { makeTempDir, sharedSlide } from './test-support';

let tmp: { dir: string; remove: () => Promise<void> };

beforeAll(async () => {
  tmp = await makeTempDir('registry');
});

afterAll(async () => {
  await tmp.remove();
});

describe('the slide format registry', () => {
  it('has complete entries: a name, a vendor, detect and open', () => {
    expect(SLIDE_FORMATS.length).toBeGreaterThanOrEqual(4);
    for (const format of SLIDE_FORMATS) {
      expect(format.name, 'name').toMatch(/^[a-z0-9-]+$/);
      expect(format.vendor.length, `${format.name} vendor`).toBeGreaterThan(0);
      expect(typeof format.detect, `${format.name} detect`).toBe('function');
      expect(typeof format.open, `${format.name} open`).toBe('function');
    }
    expect(new Set(SLIDE_FORMATS.map((f) => f.name)).size).toBe(SLIDE_FORMATS.length);
  });

  it('lists specific formats first and generic ones last', () => {
    expect(SLIDE_FORMATS.map((f) => f.name)).toEqual(['aperio-svs', 'openslide', 'generic-tiff', 'image']);
  });

  it('every detect() answers a reason when it says no', async () => {
    const path = join(tmp.dir, 'plain.png');
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).png().toFile(path);
    const head = await sharp(path).toBuffer();
    for (const format of SLIDE_FORMATS.slice(0, 3)) {
      const verdict = await format.detect(path, head);
      expect(verdict.ok, format.name).toBe(false);
      if (!verdict.ok) expect(verdict.reason.length).toBeGreaterThan(5);
    }
  });

  it('sends each kind of file to the reader meant for it', async () => {
    const pyramid = join(tmp.dir, 'pyramid.tif');
    const strips = join(tmp.dir, 'strips.tif');
    const png = join(tmp.dir, 'image.png');
    const image = sharp({ create: { width: 600, height: 400, channels: 3, background: '#c080b0' } });
    await image.clone().tiff({ tile: true, pyramid: true }).toFile(pyramid);
    await image.clone().tiff().toFile(strips);
    await image.clone().png().toFile(png);
    const expected: [string | null, string][] = [
      [pyramid, 'generic-tiff'],
      [strips, 'image'],
      [png, 'image'],
      [sharedSlide('CMU-1-Small-Region.svs'), 'aperio-svs'],
      [sharedSlide('test3-DAPI-387.ndpi'), 'openslide'],
    ];
    for (const [path, name] of expected) {
      if (!path) continue; // shared slide absent
      const choice = await chooseFormat(path);
      expect(choice.format?.name, path).toBe(name);
    }
  });
});
