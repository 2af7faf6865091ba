/**
 * Where the tissue is, from a low-resolution view of the slide: saturation (glass is grey-white,
 * stained tissue is pink or purple), an Otsu threshold kept within sane bounds, a closing to
 * join stained fragments across pale lumens, holes inside tissue filled, and specks removed.
 */
import sharp from 'sharp';
import { connectedComponents } from '../semimoe/targets';
import type { SlideSource } from '../slides/types';
import { pickLevel, type Rect } from './region';

export interface TissueMask {
  /** 1 = tissue, row-major. */
  mask: Uint8Array;
  width: number;
  height: number;
  /** Level-0 pixels per mask pixel, per axis. */
  scale: [number, number];
  /** Micrometres per mask pixel (assumed from 0.5 um/px at level 0 when the slide has no mpp). */
  mpp: number;
  /** The saturation threshold used, 0..1. */
  threshold: number;
  level: number;
}

export interface TissueOptions {
  /** Resolution of the mask, micrometres per pixel (default 16). */
  mpp?: number;
  /** Smallest tissue piece kept, and largest hole filled, in mm^2. */
  minTissueMm2?: number;
  maxHoleMm2?: number;
}

/** Level-0 resolution assumed for slides that do not say (a 20x scan). */
const ASSUMED_MPP = 0.5;
/** Saturation bounds for the threshold: glass is below 0.05 even with a tint, stroma above 0.15. */
const MIN_THRESHOLD = 0.05;
const MAX_THRESHOLD = 0.15;

export async function tissueMask(source: SlideSource, opts: TissueOptions = {}): Promise<TissueMask> {
  const meta = source.metadata;
  const targetMpp = opts.mpp ?? 16;
  const slideMpp = meta.mpp ?? [ASSUMED_MPP, ASSUMED_MPP];
  const width = Math.max(1, Math.round((meta.width * slideMpp[0]) / targetMpp));
  const height = Math.max(1, Math.round((meta.height * slideMpp[1]) / targetMpp));
  const level = pickLevel(
    meta.levels.map((l) => l.downsample),
    Math.min(targetMpp / slideMpp[0], targetMpp / slideMpp[1]),
  );
  const info = meta.levels[level];
  const pixels = await source.readRegion(0, 0, level, info.width, info.height);
  const rgba = await sharp(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels: 4 } })
    .resize(width, height, { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer();
  const sat = new Float32Array(width * height);
  for (let i = 0; i < sat.length; i++) {
    const r = rgba[i * 4];
    const g = rgba[i * 4 + 1];
    const b = rgba[i * 4 + 2];
    const a = rgba[i * 4 + 3];
    const max = Math.max(r, g, b);
    // Transparent (outside the scanned area) and black (scanner padding) are not tissue.
    sat[i] = a < 128 || max < 30 ? 0 : (max - Math.min(r, g, b)) / max;
  }
  const threshold = Math.min(MAX_THRESHOLD, Math.max(MIN_THRESHOLD, otsu(sat)));
  let mask: Uint8Array = new Uint8Array(sat.length);
  for (let i = 0; i < sat.length; i++) mask[i] = sat[i] > threshold ? 1 : 0;
  mask = erode(dilate(mask, width, height), width, height);
  const pxPerMm2 = (1000 / targetMpp) ** 2;
  fillHoles(mask, width, height, Math.round((opts.maxHoleMm2 ?? 0.05) * pxPerMm2));
  removeSpecks(mask, width, height, Math.max(1, Math.round((opts.minTissueMm2 ?? 0.01) * pxPerMm2)));
  return { mask, width, height, scale: [meta.width / width, meta.height / height], mpp: targetMpp, threshold, level };
}

/** Otsu's threshold of values in [0, 1] (256 bins). */
export function otsu(values: Float32Array): number {
  const hist = new Float64Array(256);
  for (const v of values) hist[Math.min(255, Math.max(0, Math.floor(v * 256)))]++;
  const total = values.length;
  let sumAll = 0;
  for (let i = 0; i < 256; i++) sumAll += i * hist[i];
  let wB = 0;
  let sumB = 0;
  let best = 0;
  let bestVar = -1;
  for (let t = 0; t < 256; t++) {
    wB += hist[t];
    if (wB === 0) continue;
    const wF = total - wB;
    if (wF === 0) break;
    sumB += t * hist[t];
    const mB = sumB / wB;
    const mF = (sumAll - sumB) / wF;
    const between = wB * wF * (mB - mF) ** 2;
    if (between > bestVar) {
      bestVar = between;
      best = t;
    }
  }
  return (best + 1) / 256;
}

function dilate(m: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(m.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let v = 0;
      for (let dy = -1; dy <= 1 && !v; dy++) for (let dx = -1; dx <= 1 && !v; dx++) {
        const xx = x + dx;
        const yy = y + dy;
        if (xx >= 0 && yy >= 0 && xx < w && yy < h && m[yy * w + xx]) v = 1;
      }
      out[y * w + x] = v;
    }
  return out;
}

function erode(m: Uint8Array, w: number, h: number): Uint8Array {
  const inv = m.map((v) => 1 - v);
  return dilate(inv, w, h).map((v) => 1 - v);
}

/** Background components that do not touch the border and are smaller than maxArea become tissue. */
function fillHoles(mask: Uint8Array, w: number, h: number, maxArea: number): void {
  const bg = connectedComponents(mask.map((v) => 1 - v), w, h, 4);
  const area = new Int32Array(bg.count + 1);
  const border = new Uint8Array(bg.count + 1);
  for (let i = 0; i < mask.length; i++) {
    const id = bg.labels[i];
    area[id]++;
    const x = i % w;
    const y = (i - x) / w;
    if (x === 0 || y === 0 || x === w - 1 || y === h - 1) border[id] = 1;
  }
  for (let i = 0; i < mask.length; i++) {
    const id = bg.labels[i];
    if (id > 0 && !border[id] && area[id] <= maxArea) mask[i] = 1;
  }
}

function removeSpecks(mask: Uint8Array, w: number, h: number, minArea: number): void {
  const cc = connectedComponents(mask, w, h, 8);
  const area = new Int32Array(cc.count + 1);
  for (const id of cc.labels) area[id]++;
  for (let i = 0; i < mask.length; i++) if (cc.labels[i] > 0 && area[cc.labels[i]] < minArea) mask[i] = 0;
}

/** Fraction of a level-0 rectangle that is tissue (mask pixels whose centre lies inside it). */
export function tissueFraction(t: TissueMask, r: Rect): number {
  const [sx, sy] = t.scale;
  const x0 = Math.max(0, Math.ceil(r.x / sx - 0.5));
  const y0 = Math.max(0, Math.ceil(r.y / sy - 0.5));
  const x1 = Math.min(t.width, Math.ceil((r.x + r.width) / sx - 0.5));
  const y1 = Math.min(t.height, Math.ceil((r.y + r.height) / sy - 0.5));
  if (x1 <= x0 || y1 <= y0) {
    // Smaller than a mask pixel: the pixel under its centre decides.
    const x = Math.min(t.width - 1, Math.max(0, Math.floor((r.x + r.width / 2) / sx)));
    const y = Math.min(t.height - 1, Math.max(0, Math.floor((r.y + r.height / 2) / sy)));
    return t.mask[y * t.width + x];
  }
  let n = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) n += t.mask[y * t.width + x];
  return n / ((x1 - x0) * (y1 - y0));
}

/** Bounding box of the tissue in level-0 pixels, or null when there is none. */
export function tissueBounds(t: TissueMask): Rect | null {
  let x0 = t.width, y0 = t.height, x1 = -1, y1 = -1;
  for (let i = 0; i < t.mask.length; i++) {
    if (!t.mask[i]) continue;
    const x = i % t.width;
    const y = (i - x) / t.width;
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  if (x1 < 0) return null;
  const [sx, sy] = t.scale;
  return { x: Math.floor(x0 * sx), y: Math.floor(y0 * sy), width: Math.ceil((x1 + 1 - x0) * sx), height: Math.ceil((y1 + 1 - y0) * sy) };
}
