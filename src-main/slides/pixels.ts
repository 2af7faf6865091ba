/**
 * Small pixel-buffer helpers shared by the readers and the tiler. All buffers are 8-bit RGBA,
 * row-major, without padding, and not premultiplied.
 */
import type { RegionPixels } from './types';

export function transparentRegion(width: number, height: number): RegionPixels {
  return { data: Buffer.alloc(width * height * 4), width, height, channels: 4 };
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The overlap of two rectangles, or null when they do not overlap. */
export function intersect(a: Rect, b: Rect): Rect | null {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const right = Math.min(a.x + a.width, b.x + b.width);
  const bottom = Math.min(a.y + a.height, b.y + b.height);
  return right > x && bottom > y ? { x, y, width: right - x, height: bottom - y } : null;
}

/** Copies a w x h block of RGBA pixels row by row (Buffer.copy is a memcpy). */
export function copyRgba(
  src: Buffer,
  srcWidth: number,
  sx: number,
  sy: number,
  dst: Buffer,
  dstWidth: number,
  dx: number,
  dy: number,
  width: number,
  height: number,
): void {
  const rowBytes = width * 4;
  for (let row = 0; row < height; row++) {
    const from = ((sy + row) * srcWidth + sx) * 4;
    src.copy(dst, ((dy + row) * dstWidth + dx) * 4, from, from + rowBytes);
  }
}

/**
 * Copies a w x h block from a 1 (grey), 3 (RGB) or 4 (RGBA) channel buffer into RGBA, adding
 * opaque alpha. Decoded tiles are kept without an alpha band (25% less memory, and asking sharp
 * to add one costs more than this loop).
 */
export function copyToRgba(
  src: Buffer,
  srcWidth: number,
  srcChannels: number,
  sx: number,
  sy: number,
  dst: Buffer,
  dstWidth: number,
  dx: number,
  dy: number,
  width: number,
  height: number,
): void {
  if (srcChannels === 4) {
    copyRgba(src, srcWidth, sx, sy, dst, dstWidth, dx, dy, width, height);
    return;
  }
  for (let row = 0; row < height; row++) {
    let s = ((sy + row) * srcWidth + sx) * srcChannels;
    let d = ((dy + row) * dstWidth + dx) * 4;
    const end = d + width * 4;
    if (srcChannels === 3) {
      for (; d < end; d += 4, s += 3) {
        dst[d] = src[s];
        dst[d + 1] = src[s + 1];
        dst[d + 2] = src[s + 2];
        dst[d + 3] = 255;
      }
    } else {
      for (; d < end; d += 4, s += srcChannels) {
        dst[d] = dst[d + 1] = dst[d + 2] = src[s];
        dst[d + 3] = srcChannels === 2 ? src[s + 1] : 255;
      }
    }
  }
}

/**
 * OpenSlide's premultiplied ARGB words (native-endian uint32) to RGBA bytes, un-premultiplied as
 * openslide-write-png does (channel * 255 / alpha, integer division). Alpha 0 and 255, nearly
 * every pixel, skip the division.
 */
export function argbPremultipliedToRgba(argb: Uint32Array, out: Buffer = Buffer.allocUnsafe(argb.length * 4)): Buffer {
  for (let i = 0, o = 0; i < argb.length; i++, o += 4) {
    const pixel = argb[i];
    const a = pixel >>> 24;
    let r = (pixel >>> 16) & 0xff;
    let g = (pixel >>> 8) & 0xff;
    let b = pixel & 0xff;
    if (a !== 255 && a !== 0) {
      r = Math.floor((r * 255) / a);
      g = Math.floor((g * 255) / a);
      b = Math.floor((b * 255) / a);
    }
    out[o] = r;
    out[o + 1] = g;
    out[o + 2] = b;
    out[o + 3] = a;
  }
  return out;
}

/** True when any pixel is not fully opaque. */
export function hasTransparency(rgba: Buffer): boolean {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) return true;
  return false;
}

/**
 * Composites RGBA onto an opaque background colour in place (alpha becomes 255): what a JPEG
 * tile shows where the slide is transparent, as OpenSlide's Deep Zoom generator does.
 */
export function flattenInPlace(rgba: Buffer, background: [number, number, number]): void {
  const [br, bg, bb] = background;
  for (let i = 0; i < rgba.length; i += 4) {
    const a = rgba[i + 3];
    if (a === 255) continue;
    const inv = 255 - a;
    rgba[i] = Math.round((rgba[i] * a + br * inv) / 255);
    rgba[i + 1] = Math.round((rgba[i + 1] * a + bg * inv) / 255);
    rgba[i + 2] = Math.round((rgba[i + 2] * a + bb * inv) / 255);
    rgba[i + 3] = 255;
  }
}

/** 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA) channels to RGBA; 4 is returned as is. */
export function toRgba(data: Buffer, channels: number): Buffer {
  if (channels === 4) return data;
  const pixels = data.length / channels;
  const out = Buffer.allocUnsafe(pixels * 4);
  for (let i = 0, s = 0, o = 0; i < pixels; i++, s += channels, o += 4) {
    const grey = channels <= 2;
    out[o] = data[s];
    out[o + 1] = grey ? data[s] : data[s + 1];
    out[o + 2] = grey ? data[s] : data[s + 2];
    out[o + 3] = channels === 2 ? data[s + 1] : 255;
  }
  return out;
}
