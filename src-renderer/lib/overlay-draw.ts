/**
 * Drawing the gland overlay on a 2D canvas: outlines by status, the selection, the review
 * field, vertex handles and the drawing in progress. Paths are built in screen pixels from
 * level-0 coordinates (ImageToScreen), batched by colour: one stroke per status per frame,
 * which is what keeps 20,000 outlines inside a frame.
 */
import type { GlandStatus, Point, PolygonRings, Region } from '../../src-main/api/contract';
import type { Draft } from '../stores/editing';
import type { ImageToScreen } from './osd-layer';

/** Outline colours, chosen apart from H&E's pinks and purples and from each other. */
export const STATUS_COLORS: Record<GlandStatus, string> = {
  proposed: '#ffd400',
  accepted: '#00e676',
  edited: '#00b0ff',
  rejected: '#ff3d3d',
};
export const SELECTION_COLOR = '#ffffff';
export const FIELD_COLOR = '#ff9100';
export const DRAFT_COLOR = '#ff4dff';
const STATUSES: GlandStatus[] = ['rejected', 'proposed', 'edited', 'accepted'];

/**
 * Outlines smaller than this on screen (CSS px) are drawn as a dot: a 2-pixel line around a
 * ring this small leaves no hole to see, and a dot costs a fifth of a stroked ring.
 */
const MIN_OUTLINE_PX = 6;
/**
 * Level of detail: screen pixels of outline per vertex kept. A gland a few pixels across does
 * not need its 60 vertices, and the software rasteriser pays for every one of them.
 */
const PX_PER_VERTEX = 5;
/** Below this size (CSS px) rejected outlines are solid: dashes on a tiny ring cost and read as noise. */
const MIN_DASHED_PX = 24;

interface Drawable {
  id: string;
  status: GlandStatus;
  polygons: PolygonRings[];
  bbox: readonly [number, number, number, number];
}

/**
 * Every how many vertices to keep for a ring of `length` points on an outline `sizePx` across:
 * about one per PX_PER_VERTEX pixels of perimeter, never fewer than 6 (it stays a ring).
 */
export function ringStride(length: number, sizePx: number): number {
  const wanted = Math.max(6, Math.ceil((Math.PI * sizePx) / PX_PER_VERTEX));
  return Math.max(1, Math.floor((length - 1) / wanted));
}

/** Traces the rings into a path; `sizePx` (the outline's size on screen) sets the detail kept. */
function tracePolygons(target: CanvasPath, polygons: PolygonRings[], t: ImageToScreen, sizePx = Infinity): void {
  for (const poly of polygons) {
    for (const ring of poly) {
      // The closing point repeats the first: closePath() draws that edge.
      const last = ring.length - 1;
      const stride = sizePx === Infinity ? 1 : ringStride(ring.length, sizePx);
      for (let i = 0; i < last; i += stride) {
        const x = t.ox + ring[i][0] * t.scale;
        const y = t.oy + ring[i][1] * t.scale;
        if (i === 0) target.moveTo(x, y);
        else target.lineTo(x, y);
      }
      target.closePath();
    }
  }
}

/**
 * Draws the outlines; returns how many glands were drawn. Glands are sorted by status first so
 * the colour is set once per status. Each outline is its own stroke: Chromium's software
 * canvas strokes one path of thousands of rings many times slower than the same rings one by
 * one (measured: 14,000 small rings, 1.9 s as one path against 0.12 s one by one), and
 * glands too small to show a ring are filled squares, the cheapest thing to draw.
 */
export function drawGlands(ctx: CanvasRenderingContext2D, glands: Drawable[], t: ImageToScreen, selected: ReadonlySet<string>): number {
  ctx.lineJoin = 'miter';
  ctx.lineWidth = 2;
  ctx.setLineDash([]);
  const byStatus = new Map<GlandStatus, { g: Drawable; size: number }[]>();
  for (const g of glands) {
    const size = Math.max(g.bbox[2] - g.bbox[0], g.bbox[3] - g.bbox[1]) * t.scale;
    let list = byStatus.get(g.status);
    if (!list) byStatus.set(g.status, (list = []));
    list.push({ g, size });
  }
  for (const status of STATUSES) {
    const list = byStatus.get(status);
    if (!list) continue;
    ctx.strokeStyle = STATUS_COLORS[status];
    ctx.fillStyle = STATUS_COLORS[status];
    for (const { g, size } of list) {
      if (size < MIN_OUTLINE_PX) {
        const x = t.ox + ((g.bbox[0] + g.bbox[2]) / 2) * t.scale;
        const y = t.oy + ((g.bbox[1] + g.bbox[3]) / 2) * t.scale;
        ctx.fillRect(x - 1.5, y - 1.5, 3, 3);
        continue;
      }
      const dashed = status === 'rejected' && size >= MIN_DASHED_PX;
      if (dashed) ctx.setLineDash([6, 4]);
      ctx.beginPath();
      tracePolygons(ctx, g.polygons, t, size);
      ctx.stroke();
      if (dashed) ctx.setLineDash([]);
    }
  }
  if (selected.size) {
    ctx.beginPath();
    for (const g of glands) if (selected.has(g.id)) tracePolygons(ctx, g.polygons, t);
    ctx.strokeStyle = 'rgba(0,0,0,0.6)';
    ctx.lineWidth = 5;
    ctx.stroke();
    ctx.strokeStyle = SELECTION_COLOR;
    ctx.lineWidth = 2.5;
    ctx.stroke();
  }
  return glands.length;
}

export function drawField(ctx: CanvasRenderingContext2D, region: Region, t: ImageToScreen): void {
  ctx.setLineDash([10, 6]);
  ctx.strokeStyle = FIELD_COLOR;
  ctx.lineWidth = 2;
  ctx.strokeRect(t.ox + region.x * t.scale, t.oy + region.y * t.scale, region.width * t.scale, region.height * t.scale);
  ctx.setLineDash([]);
}

/** Handles on every vertex of the gland being reshaped; the hovered one larger. */
export function drawVertices(ctx: CanvasRenderingContext2D, polygons: PolygonRings[], t: ImageToScreen, hovered: Point | null): void {
  ctx.fillStyle = SELECTION_COLOR;
  ctx.strokeStyle = '#000';
  ctx.lineWidth = 1;
  for (const poly of polygons) {
    for (const ring of poly) {
      for (let i = 0; i < ring.length - 1; i++) {
        const x = t.ox + ring[i][0] * t.scale;
        const y = t.oy + ring[i][1] * t.scale;
        ctx.fillRect(x - 3, y - 3, 6, 6);
        ctx.strokeRect(x - 3, y - 3, 6, 6);
      }
    }
  }
  if (hovered) {
    ctx.strokeStyle = DRAFT_COLOR;
    ctx.lineWidth = 2;
    ctx.strokeRect(t.ox + hovered[0] * t.scale - 6, t.oy + hovered[1] * t.scale - 6, 12, 12);
  }
}

function polyline(ctx: CanvasRenderingContext2D, points: Point[], t: ImageToScreen): void {
  ctx.beginPath();
  points.forEach((p, i) => (i === 0 ? ctx.moveTo(t.ox + p[0] * t.scale, t.oy + p[1] * t.scale) : ctx.lineTo(t.ox + p[0] * t.scale, t.oy + p[1] * t.scale)));
}

export function drawDraft(ctx: CanvasRenderingContext2D, draft: Draft, t: ImageToScreen): void {
  ctx.strokeStyle = DRAFT_COLOR;
  ctx.fillStyle = DRAFT_COLOR;
  ctx.lineWidth = 2;
  if (draft.kind === 'brush') {
    ctx.globalAlpha = 0.35;
    ctx.fillStyle = draft.erase ? '#000000' : DRAFT_COLOR;
    ctx.beginPath();
    for (const p of draft.points) {
      ctx.moveTo(t.ox + p[0] * t.scale + draft.radius * t.scale, t.oy + p[1] * t.scale);
      ctx.arc(t.ox + p[0] * t.scale, t.oy + p[1] * t.scale, draft.radius * t.scale, 0, 2 * Math.PI);
    }
    ctx.fill();
    ctx.globalAlpha = 1;
  } else if (draft.kind === 'polygon') {
    polyline(ctx, draft.cursor ? [...draft.points, draft.cursor] : draft.points, t);
    ctx.stroke();
    for (const p of draft.points) ctx.fillRect(t.ox + p[0] * t.scale - 3, t.oy + p[1] * t.scale - 3, 6, 6);
  } else if (draft.kind === 'freehand' || draft.kind === 'split') {
    polyline(ctx, draft.points, t);
    ctx.setLineDash(draft.kind === 'split' ? [8, 4] : []);
    ctx.stroke();
    ctx.setLineDash([]);
  } else {
    ctx.beginPath();
    tracePolygons(ctx, draft.polygons, t);
    ctx.stroke();
  }
}

/** The brush's footprint under the pointer, so its size is visible before painting. */
export function drawBrushCursor(ctx: CanvasRenderingContext2D, x: number, y: number, radiusPx: number, erase: boolean): void {
  ctx.beginPath();
  ctx.arc(x, y, radiusPx, 0, 2 * Math.PI);
  ctx.strokeStyle = erase ? '#ffffff' : DRAFT_COLOR;
  ctx.setLineDash(erase ? [4, 3] : []);
  ctx.lineWidth = 1.5;
  ctx.stroke();
  ctx.setLineDash([]);
}
