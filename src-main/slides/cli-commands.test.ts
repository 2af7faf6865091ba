/** `semimoe info` and `semimoe tile` (src-main/cli/info.ts, tile.ts): JSON out, errors and exit codes. */
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { run as info } from '../cli/info';
import { run as tile } from '../cli/tile';
import { compareBytes, cropRgba, makeTempDir, rgbToRgba, testPattern } from './test-support';
import { runCaptured } from '../cli/test-support';

let tmp: { dir: string; remove: () => Promise<void> };
let slide: string;
const pattern = testPattern(700, 500);

beforeAll(async () => {
  tmp = await makeTempDir('cli');
  slide = join(tmp.dir, 'slide.tif');
  await sharp(pattern, { raw: { width: 700, height: 500, channels: 3 } }).tiff({ tile: true, pyramid: true, compression: 'deflate', xres: 4000, yres: 4000, resolutionUnit: 'cm' }).toFile(slide);
});

afterAll(async () => {
  await tmp.remove();
});

afterEach(() => {
  vi.restoreAllMocks();
});


describe('semimoe info', () => {
  it('prints the metadata as JSON', async () => {
    const { code, stdout } = await runCaptured(info, [slide]);
    expect(code).toBe(0);
    const printed = JSON.parse(stdout);
    expect(printed).toMatchObject({ width: 700, height: 500, vendor: 'generic-tiff', format: 'generic-tiff', objectivePower: null, associatedImages: [] });
    expect(printed.levels[0]).toEqual({ width: 700, height: 500, downsample: 1 });
    expect(printed.mpp[0]).toBeCloseTo(0.25, 6);
    expect(printed.properties).toBeUndefined();
  });

  it('reports a missing file as a JSON error on stderr with exit code 1, and bad usage with 2', async () => {
    const missing = await runCaptured(info, [join(tmp.dir, 'nope.svs')]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(JSON.parse(missing.stderr).error.code).toBe('not-found');
    expect((await runCaptured(info, [])).code).toBe(2);
  });
});

describe('semimoe tile', () => {
  it('writes a region with read_region semantics, transparent outside', async () => {
    const out = join(tmp.dir, 'region.png');
    const { code, stdout } = await runCaptured(tile, [slide, '--x', '-10', '--y', '480', '--width', '50', '--height', '40', '-o', out]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ output: out, x: -10, y: 480, level: 0, width: 50, height: 40 });
    const { data, info: size } = await sharp(out).raw().toBuffer({ resolveWithObject: true });
    expect([size.width, size.height, size.channels]).toEqual([50, 40, 4]);
    expect(data[3]).toBe(0); // (-10, 480) is left of the slide
    const inside = cropRgba(data, 50, 10, 0, 40, 20); // x 0..39, y 480..499
    expect(compareBytes(inside, cropRgba(rgbToRgba(pattern), 700, 0, 480, 40, 20)).differing).toBe(0);
    expect(data[(25 * 50 + 20) * 4 + 3]).toBe(0); // y 505 is below the slide
  });

  it('refuses a missing option with exit code 2 and a level that does not exist with a JSON error', async () => {
    expect((await runCaptured(tile, [slide, '--x', '0', '--y', '0', '--width', '5', '-o', join(tmp.dir, 'x.png')])).code).toBe(2);
    const badLevel = await runCaptured(tile, [slide, '--x', '0', '--y', '0', '--width', '5', '--height', '5', '--level', '9', '-o', join(tmp.dir, 'x.png')]);
    expect(badLevel.code).toBe(1);
    expect(JSON.parse(badLevel.stderr).error.message).toMatch(/Level 9 does not exist/);
  });
});
