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

// ---------------------------------------------------------------------------------------------
// Review and editing: level-0 image coordinates <-> the page, and the gland overlay's pixels.

interface ImageHandle {
  imageToViewportCoordinates(x: number, y: number): { x: number; y: number };
  viewportToImageCoordinates(p: { x: number; y: number }): { x: number; y: number };
}
interface NavHandle {
  world: { getItemAt(i: number): ImageHandle };
  viewport: {
    panTo(p: unknown, immediately?: boolean): void;
    getCenter(current?: boolean): { x: number; y: number };
    pixelFromPoint(p: { x: number; y: number }, current?: boolean): { x: number; y: number };
  };
  element: HTMLElement;
}
type NavWindow = Window & { __studioViewer?: NavHandle };

/** Centres the view on a level-0 point at once (the zoom stays). */
export async function centerOn(page: Page, x: number, y: number): Promise<void> {
  await page.evaluate(
    ([ix, iy]) => {
      const viewer = (window as NavWindow).__studioViewer!;
      viewer.viewport.panTo(viewer.world.getItemAt(0).imageToViewportCoordinates(ix, iy), true);
    },
    [x, y],
  );
  await waitForTiles(page);
}

/** The level-0 point at the centre of the view. */
export async function viewCenterInImage(page: Page): Promise<{ x: number; y: number }> {
  return page.evaluate(() => {
    const viewer = (window as NavWindow).__studioViewer!;
    const p = viewer.world.getItemAt(0).viewportToImageCoordinates(viewer.viewport.getCenter(true));
    return { x: p.x, y: p.y };
  });
}

/** Page (mouse) coordinates of level-0 points. */
export async function imageToPage(page: Page, points: [number, number][]): Promise<{ x: number; y: number }[]> {
  return page.evaluate((pts) => {
    const viewer = (window as NavWindow).__studioViewer!;
    const box = viewer.element.getBoundingClientRect();
    const item = viewer.world.getItemAt(0);
    return pts.map(([x, y]) => {
      // Numbers, not a plain {x, y}: OSD's Point methods are needed inside, and its class is
      // not reachable from the page (the app bundles OpenSeadragon).
      const p = viewer.viewport.pixelFromPoint(item.imageToViewportCoordinates(x, y), true);
      return { x: box.left + p.x, y: box.top + p.y };
    });
  }, points);
}

/** Drags the mouse from a to b in steps (the viewer sees a real drag). */
export async function drag(page: Page, a: { x: number; y: number }, b: { x: number; y: number }, steps = 12): Promise<void> {
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  for (let i = 1; i <= steps; i++) await page.mouse.move(a.x + ((b.x - a.x) * i) / steps, a.y + ((b.y - a.y) * i) / steps);
  await page.mouse.up();
}

/** How many overlay canvas pixels are within `tolerance` of a colour (opaque ones only). */
export async function overlayColourCount(page: Page, rgb: [number, number, number], tolerance = 40): Promise<number> {
  return page.evaluate(
    ([[r, g, b], tol]) => {
      const canvas = document.querySelector('[data-testid="gland-overlay"]') as HTMLCanvasElement | null;
      if (!canvas) throw new Error('no gland overlay canvas');
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] > 200 && Math.abs(data[i] - r) <= tol && Math.abs(data[i + 1] - g) <= tol && Math.abs(data[i + 2] - b) <= tol) n++;
      }
      return n;
    },
    [rgb, tolerance] as const,
  );
}

/** For each page point: whether the overlay drew anything within `radius` CSS pixels of it. */
export async function overlayDrawnNear(page: Page, points: { x: number; y: number }[], radius = 3): Promise<boolean[]> {
  return page.evaluate(
    ([pts, rad]) => {
      const canvas = document.querySelector('[data-testid="gland-overlay"]') as HTMLCanvasElement | null;
      if (!canvas) throw new Error('no gland overlay canvas');
      const box = canvas.getBoundingClientRect();
      const sx = canvas.width / box.width;
      const sy = canvas.height / box.height;
      const ctx = canvas.getContext('2d')!;
      return pts.map((p) => {
        const x = Math.round((p.x - box.left - rad) * sx);
        const y = Math.round((p.y - box.top - rad) * sy);
        const w = Math.max(1, Math.round(2 * rad * sx));
        const h = Math.max(1, Math.round(2 * rad * sy));
        const data = ctx.getImageData(x, y, w, h).data;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 128) return true;
        return false;
      });
    },
    [points, radius] as const,
  );
}

/** Shoelace area of a GeoJSON polygon list (outer rings minus holes). */
export function polygonsArea(polygons: [number, number][][][]): number {
  const ring = (r: [number, number][]) => {
    let s = 0;
    for (let i = 0; i + 1 < r.length; i++) s += r[i][0] * r[i + 1][1] - r[i + 1][0] * r[i][1];
    return Math.abs(s / 2);
  };
  return polygons.reduce((t, poly) => t + poly.reduce((u, r, i) => u + (i === 0 ? ring(r) : -ring(r)), 0), 0);
}

/** Vertices of a GeoJSON polygon list, each ring's closing point not counted. */
export function vertexCount(polygons: [number, number][][][]): number {
  return polygons.reduce((n, poly) => n + poly.reduce((m, r) => m + r.length - 1, 0), 0);
}
