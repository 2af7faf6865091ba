import { describe, expect, it } from 'vitest';
import type { SlideInfo } from '../../src-main/api/contract';
import { tileSourceFor } from './tile-source';

const slide: SlideInfo = {
  id: '0123456789abcdef',
  path: '/data/CMU-1-Small-Region.svs',
  name: 'CMU-1-Small-Region.svs',
  format: 'aperio-svs',
  vendor: 'aperio',
  width: 2220,
  height: 2967,
  levels: [{ width: 2220, height: 2967, downsample: 1 }],
  mpp: [0.499, 0.499],
  objectivePower: 20,
  associatedImages: [],
  fingerprint: 'f'.repeat(64),
  status: 'ok',
  tiles: { tileSize: 254, overlap: 1, maxLevel: 12, format: 'jpeg' },
};

describe('tileSourceFor', () => {
  it('maps the deep-zoom geometry onto OpenSeadragon options and addresses tiles by slide id', () => {
    const calls: unknown[][] = [];
    const source = tileSourceFor(slide, {
      tileUrl: (...args) => {
        calls.push(args);
        return 'url';
      },
      associatedImageUrl: () => '',
    });
    expect(source).toMatchObject({ width: 2220, height: 2967, tileSize: 254, tileOverlap: 1, minLevel: 0, maxLevel: 12 });
    expect(source.getTileUrl(11, 2, 3)).toBe('url');
    expect(calls).toEqual([['0123456789abcdef', 11, 2, 3, 'jpeg']]);
  });
});
