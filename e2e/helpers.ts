/// <reference lib="dom" />
/**
 * What the specs do through the UI, and what they read back from the viewer. The viewer is
 * reached through `window.__studioViewer` (the OpenSeadragon viewer the renderer exposes for
 * tests only) and its 2D canvas drawer.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';

const ROOT = join(import.meta.dirname, '..');
/** The shared test data, beside the repository; tests that need it skip when it is absent. */
export const SHARED_SLIDES = join(ROOT, '..', 'shared', 'data', 'slides');
export const CMU_SMALL = join(SHARED_SLIDES, 'CMU-1-Small-Region.svs');
export const sharedDataReason = `shared test data absent: ${CMU_SMALL} does not exist`;
export const hasSharedData = (): boolean => existsSync(CMU_SMALL);

/** The part of OpenSeadragon the specs read (the page's viewer, typed loosely on purpose). */
interface ViewerHandle {
  world: { getItemCount(): number; getItemAt(i: number): { getFullyLoaded(): boolean } };
  viewport: {
    getZoom(current?: boolean): number;
    getCenter(current?: boolean): { x: number; y: number };
    viewportToImageZoom(zoom: number): number;
  };
  drawer: { canvas: HTMLCanvasElement };
}
type StudioWindow = Window & { __studioViewer?: ViewerHandle };

export interface ViewState {
  items: number;
  imageZoom: number;
  center: { x: number; y: number };
}

/** Opens a slide with the web open dialog's path field, as a user would. */
export async function openByPath(page: Page, path: string): Promise<void> {
  await page.getByTestId('open-button').click();
  const input = page.getByTestId('open-path-input');
  await expect(input).toBeVisible();
  await input.fill(path);
  await page.getByTestId('open-path-submit').click();
}

export async function viewState(page: Page): Promise<ViewState> {
  return page.evaluate(() => {
    const viewer = (window as StudioWindow).__studioViewer;
    if (!viewer) throw new Error('window.__studioViewer is not set');
    const items = viewer.world.getItemCount();
    const zoom = viewer.viewport.getZoom(true);
    return { items, imageZoom: items ? viewer.viewport.viewportToImageZoom(zoom) : 0, center: viewer.viewport.getCenter(true) };
  });
}

/**
 * Waits until the viewer shows a slide, has stopped moving, and has every tile it needs for the
 * current view.
 */
export async function waitForTiles(page: Page, timeout = 30_000): Promise<void> {
  await page.waitForFunction(
    () => {
      const w = window as StudioWindow & { __lastZoom?: number };
      const viewer = w.__studioViewer;
      if (!viewer || viewer.world.getItemCount() === 0) return false;
      const zoom = viewer.viewport.getZoom(true);
      const settled = zoom === viewer.viewport.getZoom(false) && zoom === w.__lastZoom;
      w.__lastZoom = zoom;
      return settled && viewer.world.getItemAt(0).getFullyLoaded();
    },
    undefined,
    { timeout, polling: 100 },
  );
}

export interface PixelSample {
  x: number;
  y: number;
  r: number;
  g: number;
  b: number;
  a: number;
}

/**
 * Mean colour of 8x8 blocks on a grid over the viewer's canvas. Where nothing was drawn the
 * canvas is transparent (the grey around the slide is the page's, not the canvas's).
 */
export async function sampleCanvas(page: Page, grid = 5): Promise<PixelSample[]> {
  return page.evaluate((n) => {
    const viewer = (window as StudioWindow).__studioViewer;
    if (!viewer) throw new Error('window.__studioViewer is not set');
    const canvas = viewer.drawer.canvas;
    const context = canvas.getContext('2d');
    if (!context) throw new Error('the viewer canvas is not a 2D canvas');
    const samples: PixelSample[] = [];
    for (let i = 1; i <= n; i++) {
      for (let j = 1; j <= n; j++) {
        const x = Math.floor((canvas.width * i) / (n + 1));
        const y = Math.floor((canvas.height * j) / (n + 1));
        const data = context.getImageData(x - 4, y - 4, 8, 8).data;
        let r = 0, g = 0, b = 0, a = 0;
        for (let k = 0; k < data.length; k += 4) {
          r += data[k];
          g += data[k + 1];
          b += data[k + 2];
          a += data[k + 3];
        }
        const count = data.length / 4;
        samples.push({ x, y, r: r / count, g: g / count, b: b / count, a: a / count });
      }
    }
    return samples;
  }, grid);
}

/** Drawn and not blank: opaque, and darker than the white glass around tissue. */
export const isTissue = (s: PixelSample): boolean => s.a > 200 && Math.min(s.r, s.g, s.b) < 215;
export const isDrawn = (s: PixelSample): boolean => s.a > 200;
