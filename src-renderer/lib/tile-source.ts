import type { SlideInfo, TileAddressing } from '../../src-main/api/contract';

/**
 * OpenSeadragon's inline custom tile source for a slide: the deep-zoom grid the engine serves
 * (level maxLevel is full resolution, each level below halves it rounding up, level 0 is 1x1,
 * edge tiles cropped), which is exactly how OpenSeadragon's default TileSource computes levels.
 */
export interface CustomTileSource {
  width: number;
  height: number;
  tileSize: number;
  tileOverlap: number;
  minLevel: number;
  maxLevel: number;
  getTileUrl(level: number, x: number, y: number): string;
}

export function tileSourceFor(slide: SlideInfo, addressing: TileAddressing): CustomTileSource {
  const { tileSize, overlap, maxLevel, format } = slide.tiles;
  return {
    width: slide.width,
    height: slide.height,
    tileSize,
    tileOverlap: overlap,
    minLevel: 0,
    maxLevel,
    getTileUrl: (level, x, y) => addressing.tileUrl(slide.id, level, x, y, format),
  };
}
