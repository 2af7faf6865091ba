/**
 * A canvas laid over OpenSeadragon's own, for drawing in level-0 pixel coordinates. It never
 * takes the pointer (pointer-events: none), so the viewer keeps panning and zooming, and the
 * tools listen to the viewer's own canvas events instead.
 */
import OpenSeadragon from 'openseadragon';
import type { Point } from '../../src-main/api/contract';
import type { BBox } from './spatial-index';

export interface LayerCanvas {
  canvas: HTMLCanvasElement;
  context: CanvasRenderingContext2D;
  /** Matches the canvas to the viewer's size; returns the device pixel ratio in use. */
  fit(): number;
  destroy(): void;
}

export function createLayerCanvas(viewer: OpenSeadragon.Viewer, testId: string): LayerCanvas {
  const canvas = document.createElement('canvas');
  canvas.dataset.testid = testId;
  // No z-index: layers stack in the order they are added, after the tiles' canvas, and the
  // navigator (later in the viewer's DOM) stays on top of them.
  canvas.style.cssText = 'position:absolute;inset:0;width:100%;height:100%;pointer-events:none';
  viewer.canvas.appendChild(canvas);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('This browser cannot draw the overlay (no 2D canvas)');
  return {
    canvas,
    context,
    fit() {
      const ratio = window.devicePixelRatio || 1;
      const w = Math.max(1, Math.round(viewer.canvas.clientWidth * ratio));
      const h = Math.max(1, Math.round(viewer.canvas.clientHeight * ratio));
      if (canvas.width !== w || canvas.height !== h) {
        canvas.width = w;
        canvas.height = h;
      }
      return ratio;
    },
    destroy() {
      canvas.remove();
    },
  };
}

/**
 * Level-0 pixels -> viewer element CSS pixels, as an affine map (the viewer never rotates or
 * flips here): screen = origin + scale * image. Null without a slide.
 */
export interface ImageToScreen {
  ox: number;
  oy: number;
  scale: number;
}

export function imageToScreen(viewer: OpenSeadragon.Viewer): ImageToScreen | null {
  if (viewer.world.getItemCount() === 0) return null;
  const item = viewer.world.getItemAt(0);
  const o = item.imageToViewerElementCoordinates(new OpenSeadragon.Point(0, 0));
  const e = item.imageToViewerElementCoordinates(new OpenSeadragon.Point(1024, 0));
  return { ox: o.x, oy: o.y, scale: (e.x - o.x) / 1024 };
}

export function screenToImage(t: ImageToScreen, x: number, y: number): Point {
  return [(x - t.ox) / t.scale, (y - t.oy) / t.scale];
}

/** The level-0 rectangle the viewer element shows. */
export function viewBBox(viewer: OpenSeadragon.Viewer, t: ImageToScreen): BBox {
  const a = screenToImage(t, 0, 0);
  const b = screenToImage(t, viewer.canvas.clientWidth, viewer.canvas.clientHeight);
  return [a[0], a[1], b[0], b[1]];
}
