/**
 * Candidate review fields: squares of a given size in micrometres, on a grid anchored at the
 * slide's origin, kept where enough of the square is tissue. Each gets a deterministic id and
 * train/validation split from its slide and position, so rebuilding the queue (a new model, a
 * new ranking) never moves a field from one split to the other: validation must stay unseen.
 */
import { createHash } from 'node:crypto';
import type { SlideMetadata } from '../slides/types';
import type { Rect } from './region';
import { tissueFraction, type TissueMask } from './tissue';

export type FieldSplit = 'train' | 'validation';

export interface CandidateField extends Rect {
  id: string;
  slideId: string;
  split: FieldSplit;
  tissueFraction: number;
}

export interface LayoutOptions {
  /** Side of a field in micrometres. */
  fieldSizeUm: number;
  /** Smallest tissue fraction for a field to be a candidate (default 0.5). */
  minTissue?: number;
  /** Share of fields held out for validation (default 0.2). */
  validationShare?: number;
  /** Level-0 resolution to assume when the slide has none (default 0.5 um/px). */
  assumedMpp?: number;
}

/** 32 bits of SHA-256 of a string, as a number in [0, 1). */
function unitHash(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) / 2 ** 32;
}

export function fieldId(slideId: string, r: Rect): string {
  return `field-${createHash('sha256').update(`${slideId}:${r.x}:${r.y}:${r.width}:${r.height}`).digest('hex').slice(0, 16)}`;
}

export function fieldSplit(slideId: string, r: Rect, validationShare = 0.2): FieldSplit {
  return unitHash(`split:${slideId}:${r.x}:${r.y}:${r.width}:${r.height}`) < validationShare ? 'validation' : 'train';
}

/** Field side in level-0 pixels (per axis) for a size in micrometres. */
export function fieldSizePx(meta: Pick<SlideMetadata, 'mpp'>, fieldSizeUm: number, assumedMpp = 0.5): [number, number] {
  const mpp = meta.mpp ?? [assumedMpp, assumedMpp];
  return [Math.max(1, Math.round(fieldSizeUm / mpp[0])), Math.max(1, Math.round(fieldSizeUm / mpp[1]))];
}

export function layoutFields(slideId: string, meta: Pick<SlideMetadata, 'width' | 'height' | 'mpp'>, tissue: TissueMask, opts: LayoutOptions): CandidateField[] {
  if (!(opts.fieldSizeUm > 0)) throw new Error('field size must be positive');
  const [fw, fh] = fieldSizePx(meta, opts.fieldSizeUm, opts.assumedMpp);
  const minTissue = opts.minTissue ?? 0.5;
  const out: CandidateField[] = [];
  // Whole fields only; a slide smaller than one field gets one field, clipped to the slide.
  const cols = Math.max(1, Math.floor(meta.width / fw));
  const rows = Math.max(1, Math.floor(meta.height / fh));
  for (let row = 0; row < rows; row++) {
    for (let col = 0; col < cols; col++) {
      const r: Rect = { x: col * fw, y: row * fh, width: Math.min(fw, meta.width), height: Math.min(fh, meta.height) };
      const fraction = tissueFraction(tissue, r);
      if (fraction < minTissue) continue;
      out.push({ ...r, id: fieldId(slideId, r), slideId, split: fieldSplit(slideId, r, opts.validationShare), tissueFraction: fraction });
    }
  }
  return out;
}

/** Mean of a map (covering level-0 `bounds`) over a level-0 rectangle; null when they do not overlap. */
export function meanOverRect(map: Float32Array, width: number, height: number, bounds: Rect, r: Rect): number | null {
  const sx = bounds.width / width;
  const sy = bounds.height / height;
  const x0 = Math.max(0, Math.floor((r.x - bounds.x) / sx));
  const y0 = Math.max(0, Math.floor((r.y - bounds.y) / sy));
  const x1 = Math.min(width, Math.ceil((r.x + r.width - bounds.x) / sx));
  const y1 = Math.min(height, Math.ceil((r.y + r.height - bounds.y) / sy));
  if (x1 <= x0 || y1 <= y0) return null;
  let sum = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum += map[y * width + x];
  return sum / ((x1 - x0) * (y1 - y0));
}
