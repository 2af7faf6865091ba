import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { PolygonRings } from '../api/contract';
import { ApiError } from '../api/errors';
import { encodeMask, rasterize } from './masks';
import { square } from './test-support';

/** A 6x6 square at (1,1) with a 2x2 hole at (3,3): the hand-drawn picture below. */
const donut: PolygonRings = [square(1, 1, 6)[0], [[3, 3], [3, 5], [5, 5], [5, 3], [3, 3]]];

const picture = (rows: string[]) => Uint8Array.from(rows.join('').split(''), (c) => (c === '#' ? 255 : 0));

describe('label masks', () => {
  it('fills a polygon with a hole by the even-odd rule at pixel centres (downsample 1)', () => {
    const raster = rasterize([{ polygons: [donut] }], { x: 0, y: 0, width: 8, height: 8 }, 1, 'binary');
    expect(raster).toMatchObject({ width: 8, height: 8 });
    expect(raster.data).toEqual(
      picture([
        '........',
        '.######.',
        '.######.',
        '.##..##.',
        '.##..##.',
        '.######.',
        '.######.',
        '........',
      ]),
    );
  });

  it('samples at the downsampled pixel centres and offsets by the region origin', () => {
    // Downsample 2 over x,y 0..8: centres at 1, 3, 5, 7, all on edges. Edges are half-open:
    // a centre on a left/top edge is inside, on a right/bottom edge outside. So the square
    // (1..7) covers centres 1, 3, 5 and the hole (3..5) removes centre 3 in rows and columns.
    const raster = rasterize([{ polygons: [donut] }], { x: 0, y: 0, width: 8, height: 8 }, 2, 'binary');
    expect(raster.data).toEqual(picture(['###.', '#.#.', '###.', '....']));
    const shifted = rasterize([{ polygons: [donut] }], { x: 2, y: 2, width: 4, height: 2 }, 1, 'binary');
    expect(shifted.data).toEqual(picture(['####', '#..#']));
  });

  it('writes instance labels in order, 16-bit, and round-trips them through PNG', async () => {
    const glands = [{ polygons: [square(0, 0, 2)] }, { polygons: [square(2, 0, 2)] }];
    const raster = rasterize(glands, { x: 0, y: 0, width: 4, height: 1 }, 1, 'instances');
    expect(Array.from(raster.data)).toEqual([1, 1, 2, 2]);
    const png = await encodeMask(raster, 'png');
    const meta = await sharp(png).metadata();
    expect(meta).toMatchObject({ format: 'png', width: 4, height: 1, channels: 1, depth: 'ushort' });
    // Decoding must stay grey16: sharp's default conversion to sRGB would remap the labels.
    const { data } = await sharp(png).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
    expect(Array.from(new Uint16Array(data.buffer, data.byteOffset, 4))).toEqual([1, 1, 2, 2]);
  });

  it('writes 8-bit binary masks as PNG and TIFF', async () => {
    const raster = rasterize([{ polygons: [donut] }], { x: 0, y: 0, width: 8, height: 8 }, 1, 'binary');
    for (const format of ['png', 'tiff'] as const) {
      const encoded = await encodeMask(raster, format);
      expect((await sharp(encoded).metadata()).channels).toBe(1);
      const { data, info } = await sharp(encoded).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
      expect(info).toMatchObject({ width: 8, height: 8, channels: 1 });
      expect(new Uint8Array(data)).toEqual(raster.data);
    }
  });

  it('refuses a mask too large to hold in memory', () => {
    expect(() => rasterize([], { x: 0, y: 0, width: 200_000, height: 200_000 }, 1, 'binary')).toThrow(ApiError);
  });
});
