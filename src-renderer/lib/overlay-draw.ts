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

/** Outlines smaller than this on screen (CSS px) are drawn as a dot: no detail to see. */
const MIN_OUTLINE_PX = 4;

interface Drawable {
  id: string;
  status: GlandStatus;
  polygons: PolygonRings[];
  bbox: readonly [number, number, number, number];
}

function tracePolygons(ctx: CanvasRenderingContext2D, polygons: PolygonRings[], t: ImageToScreen): void {
  for (const poly of polygons) {
    for (const ring of poly) {
      for (let i = 0; i < ring.length; i++) {
        const x = t.ox + ring[i][0] * t.scale;
        const y = t.oy + ring[i][1] * t.scale;
        if (i === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      }
      ctx.closePath();
    }
  }
}

/** Draws the outlines; returns how many glands were drawn. */
export function drawGlands(ctx: CanvasRenderingContext2D, glands: Drawable[], t: ImageToScreen, selected: ReadonlySet<string>): number {
  ctx.lineJoin = 'round';
  let drawn = 0;
  for (const status of STATUSES) {
    ctx.beginPath();
    let any = false;
    for (const g of glands) {
      if (g.status !== status) continue;
      any = true;
      drawn++;
      const w = (g.bbox[2] - g.bbox[0]) * t.scale;
      const h = (g.bbox[3] - g.bbox[1]) * t.scale;
      if (w < MIN_OUTLINE_PX && h < MIN_OUTLINE_PX) {
        const x = t.ox + ((g.bbox[0] + g.bbox[2]) / 2) * t.scale;
        const y = t.oy + ((g.bbox[1] + g.bbox[3]) / 2) * t.scale;
        ctx.rect(x - 1, y - 1, 2, 2);
      } else {
        tracePolygons(ctx, g.polygons, t);
      }
    }
    if (!any) continue;
    ctx.strokeStyle = STATUS_COLORS[status];
    ctx.lineWidth = 2;
    ctx.setLineDash(status === 'rejected' ? [6, 4] : []);
    ctx.stroke();
  }
  ctx.setLineDash([]);
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
  return drawn;
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
