/**
 * A bitmap of the gland outlines around the view, so that panning costs one image copy a frame
 * instead of tracing and rasterising every outline again (20,000 outlines take well over a
 * frame in Chromium's software canvas). The bitmap covers the view plus a margin, at the
 * current scale; it is redrawn when the scale changes (zooming), when the view leaves it, or
 * when what it shows changes (the gland store's version, the selection).
 *
 * While zooming the scale changes every frame and redrawing thousands of outlines takes longer
 * than a frame, so the last bitmap is stretched to the new scale instead (blurred for the few
 * frames a zoom lasts) as long as it still covers most of the view; the sharp redraw comes
 * once the scale holds still for a frame. A redraw during a zoom has no margin: a margin is
 * only worth its cost when the next frames can reuse it.
 */
import type { ImageToScreen } from './osd-layer';
import { contains, type BBox } from './spatial-index';

/** Margin around the view, as a fraction of its size per side, when the scale is steady. */
export const CACHE_MARGIN = 0.5;
/** Largest bitmap side, device pixels (memory: 4096 x 4096 x 4 bytes = 64 MiB at worst). */
export const MAX_CACHE_SIDE = 4096;

export interface CachePlan {
  /** Level-0 rectangle the bitmap covers. */
  bbox: BBox;
  /** Bitmap size, device pixels. */
  width: number;
  height: number;
}

/**
 * The rectangle to draw: the view grown by `margin` per side, cut to the slide (no glands lie
 * beyond it) and to MAX_CACHE_SIDE device pixels, but never smaller than the view.
 */
export function planCache(view: BBox, scale: number, ratio: number, limit: BBox, margin: number): CachePlan {
  const pxPerUnit = scale * ratio;
  const maxUnits = MAX_CACHE_SIDE / pxPerUnit;
  const grow = (lo: number, hi: number, min: number, max: number): [number, number] => {
    const size = hi - lo;
    const m = Math.max(0, Math.min(size * margin, (maxUnits - size) / 2));
    return [Math.max(min, lo - m), Math.min(max, hi + m)];
  };
  const [x0, x1] = grow(view[0], view[2], Math.min(limit[0], view[0]), Math.max(limit[2], view[2]));
  const [y0, y1] = grow(view[1], view[3], Math.min(limit[1], view[1]), Math.max(limit[3], view[3]));
  // Whole device pixels, so the copy lands on the pixel grid.
  const bbox: BBox = [x0, y0, x1, y1];
  return { bbox, width: Math.max(1, Math.ceil((x1 - x0) * pxPerUnit)), height: Math.max(1, Math.ceil((y1 - y0) * pxPerUnit)) };
}

/** What a bitmap was drawn for; any difference but the view's position means redrawing it. */
export interface CacheKey {
  scale: number;
  ratio: number;
  /** The gland store's version and anything else drawn into it (the selection), as one string. */
  content: string;
}

export function sameScale(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

export function reusable(cached: { key: CacheKey; bbox: BBox } | null, key: CacheKey, view: BBox): boolean {
  return (
    cached !== null &&
    cached.key.content === key.content &&
    cached.key.ratio === key.ratio &&
    sameScale(cached.key.scale, key.scale) &&
    // With the view past the slide's edge only the part inside needs to be covered.
    contains(cached.bbox, view)
  );
}

/** Where the bitmap's top-left goes on the screen canvas, whole device pixels. */
export function blitOrigin(bbox: BBox, t: ImageToScreen, ratio: number): { x: number; y: number } {
  return { x: Math.round((t.ox + bbox[0] * t.scale) * ratio), y: Math.round((t.oy + bbox[1] * t.scale) * ratio) };
}

/**
 * A zoom counts as going on until the scale has held this long (ms). Frame by frame is not
 * enough: the next frame's draw may come before the animation's next step.
 */
export const SETTLE_MS = 120;
/** Below this share of the view covered, a stretched bitmap would leave too much blank. */
export const MIN_STRETCH_COVERAGE = 0.5;

/** The share of `view`'s area that `bbox` covers, 0..1 (1 for an empty view). */
export function coverage(bbox: BBox, view: BBox): number {
  const area = (view[2] - view[0]) * (view[3] - view[1]);
  if (area <= 0) return 1;
  const w = Math.max(0, Math.min(bbox[2], view[2]) - Math.max(bbox[0], view[0]));
  const h = Math.max(0, Math.min(bbox[3], view[3]) - Math.max(bbox[1], view[1]));
  return (w * h) / area;
}

/** The view cut to the slide: past the edge there is nothing to cache. */
export function clampToLimit(view: BBox, limit: BBox): BBox {
  const x0 = Math.max(view[0], limit[0]);
  const y0 = Math.max(view[1], limit[1]);
  return [x0, y0, Math.max(x0, Math.min(view[2], limit[2])), Math.max(y0, Math.min(view[3], limit[3]))];
}

export class OutlineCache {
  private readonly canvas: HTMLCanvasElement;
  private readonly context: CanvasRenderingContext2D;
  private state: { key: CacheKey; bbox: BBox; count: number; boxes: Float64Array } | null = null;
  private lastScale = NaN;
  private lastScaleChange = -Infinity;

  constructor() {
    this.canvas = document.createElement('canvas');
    const context = this.canvas.getContext('2d');
    if (!context) throw new Error('This browser cannot draw the overlay (no 2D canvas)');
    this.context = context;
  }

  /**
   * Copies the outlines of `view` onto `target` (identity transform), drawing the bitmap first
   * when it cannot be reused; `draw` traces the glands of a rectangle with a given transform and
   * returns their bounding boxes. Returns how many glands meet the view, and whether what was
   * copied is a stretched stand-in (the caller then draws again after SETTLE_MS, to sharpen it).
   */
  paint(
    target: CanvasRenderingContext2D,
    t: ImageToScreen,
    ratio: number,
    rawView: BBox,
    limit: BBox,
    content: string,
    draw: (ctx: CanvasRenderingContext2D, t: ImageToScreen, bbox: BBox) => BBox[],
  ): { count: number; stretched: boolean } {
    const view = clampToLimit(rawView, limit);
    const key: CacheKey = { scale: t.scale, ratio, content };
    const now = performance.now();
    if (!sameScale(this.lastScale, t.scale)) {
      this.lastScale = t.scale;
      this.lastScaleChange = now;
    }
    const zooming = now - this.lastScaleChange < SETTLE_MS;
    const old = this.state;
    if (zooming && old && old.key.content === content && old.key.ratio === ratio && !sameScale(old.key.scale, t.scale) && coverage(old.bbox, view) >= MIN_STRETCH_COVERAGE) {
      const k = t.scale / old.key.scale;
      const x = (t.ox + old.bbox[0] * t.scale) * ratio;
      const y = (t.oy + old.bbox[1] * t.scale) * ratio;
      target.drawImage(this.canvas, x, y, this.canvas.width * k, this.canvas.height * k);
      return { count: this.countIn(rawView), stretched: true };
    }
    if (!reusable(this.state, key, view)) {
      const plan = planCache(view, t.scale, ratio, limit, zooming ? 0 : CACHE_MARGIN);
      if (this.canvas.width !== plan.width || this.canvas.height !== plan.height) {
        this.canvas.width = plan.width;
        this.canvas.height = plan.height;
      }
      const ctx = this.context;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, plan.width, plan.height);
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      const local: ImageToScreen = { ox: -plan.bbox[0] * t.scale, oy: -plan.bbox[1] * t.scale, scale: t.scale };
      const boxes = draw(ctx, local, plan.bbox);
      const flat = new Float64Array(boxes.length * 4);
      boxes.forEach((b, i) => flat.set(b, i * 4));
      this.state = { key, bbox: plan.bbox, count: boxes.length, boxes: flat };
    }
    const state = this.state!;
    const at = blitOrigin(state.bbox, t, ratio);
    target.drawImage(this.canvas, at.x, at.y);
    return { count: this.countIn(rawView), stretched: false };
  }

  /** How many of the glands in the bitmap meet `view`. */
  private countIn(view: BBox): number {
    let inView = 0;
    const b = this.state?.boxes ?? new Float64Array(0);
    for (let i = 0; i < b.length; i += 4) {
      if (b[i] <= view[2] && view[0] <= b[i + 2] && b[i + 1] <= view[3] && view[1] <= b[i + 3]) inView++;
    }
    return inView;
  }

  /** Forgets the bitmap (outlines hidden, slide closed): the memory goes back at once. */
  clear(): void {
    this.state = null;
    this.lastScale = NaN;
    this.lastScaleChange = -Infinity;
    this.canvas.width = 1;
    this.canvas.height = 1;
  }
}
