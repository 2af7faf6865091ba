/**
 * Test helpers: a real project database in a temp folder with one slide row, and simple shapes.
 * Used by the tests, the crash child and the benchmark (never by the app).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Point, PolygonRings } from '../api/contract';
import { ProjectStore } from '../project/store';

export const TEST_SLIDE = 'feedfacecafebeef';

export function tempProjectDir(prefix = 'semimoe-annotations-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Opens (creating when needed) a project with the test slide registered. */
export function openTestProject(dir: string, slideId = TEST_SLIDE, size = 100_000): ProjectStore {
  const store = new ProjectStore(dir);
  if (!store.getSlide(slideId)) {
    const stamp = '2026-01-01T00:00:00.000Z';
    store.upsertSlide({
      id: slideId,
      path: `/slides/${slideId}.svs`,
      name: `${slideId}.svs`,
      fingerprint: slideId.repeat(4),
      fileSize: 1,
      fileMtime: 1,
      width: size,
      height: size,
      format: 'generic-tiff',
      addedAt: stamp,
      openedAt: stamp,
    });
  }
  return store;
}

export const square = (x: number, y: number, size: number): PolygonRings => [
  [
    [x, y],
    [x + size, y],
    [x + size, y + size],
    [x, y + size],
    [x, y],
  ],
];

/** A regular n-gon (a gland-like blob or a brush dab). */
export const disc = (cx: number, cy: number, r: number, n = 24): PolygonRings => {
  const ring: Point[] = [];
  for (let i = 0; i < n; i++) ring.push([cx + r * Math.cos((2 * Math.PI * i) / n), cy + r * Math.sin((2 * Math.PI * i) / n)]);
  ring.push(ring[0]);
  return [ring];
};
