/**
 * Paints a synthetic H&E-like field of colorectal tissue with known glands, so the app has a
 * slide to show on first start and tests have ground truth: pink stroma with scattered purple
 * nuclei, glands as white lumens ringed by an epithelium of dark, radially elongated nuclei, and
 * bare glass around an irregular tissue outline. Deterministic for a given seed.
 */
import sharp from 'sharp';
import { seededRandom } from './random';

export interface GlandShape {
  /** Instance id, 1-based: the value of this gland's pixels in the label image. */
  id: number;
  /** Centre in level-0 pixels. */
  cx: number;
  cy: number;
  /** Outer semi-axes before the boundary's wobble, in pixels. */
  a: number;
  b: number;
  /** Rotation of the a-axis, radians. */
  angle: number;
  /** Boundary radius factor R(phi) = 1 + sum(amplitude * cos(k * phi + phase)). */
  harmonics: { k: number; amplitude: number; phase: number }[];
  /** Epithelium thickness measured radially, in pixels. */
  epithelium: number;
}

export interface PaintedTissue {
  width: number;
  height: number;
  /** RGB, 3 bytes per pixel. */
  rgb: Buffer;
  /** 255 inside glands (epithelium and lumen), 0 elsewhere. */
  mask: Buffer;
  /** Gland instance id per pixel, 0 for background. */
  labels: Uint16Array;
  glands: GlandShape[];
}

type Rgb = readonly [number, number, number];

const GLASS: Rgb = [244, 242, 246];
const STROMA: Rgb = [230, 158, 196];
const CYTOPLASM: Rgb = [208, 146, 198];
const LUMEN: Rgb = [247, 240, 246];
const STROMA_NUCLEUS: Rgb = [96, 54, 140];
const EPITHELIAL_NUCLEUS: Rgb = [64, 32, 110];

/** Gap kept between glands so that connected components are instances, as in GlaS. */
const GLAND_GAP = 24;

export async function paintTissue(width: number, height: number, seed: number): Promise<PaintedTissue> {
  const random = seededRandom(seed);
  const rgb = Buffer.alloc(width * height * 3);
  const mask = Buffer.alloc(width * height);
  const labels = new Uint16Array(width * height);
  // Grids are drawn in a fixed order (determinism), then enlarged concurrently.
  const grids = [384, 64, 9].map((cell) => noiseGrid(width, height, cell, random));
  const [wobble, coarse, fine] = await Promise.all(grids.map((grid) => enlargeNoise(grid, width, height)));
  const tissue = tissueMap(width, height, wobble);
  const inTissue = (x: number, y: number) => tissue[Math.floor(y) * width + Math.floor(x)] === 1;

  paintBackground(rgb, tissue, coarse, fine, random);
  const glands = placeGlands(width, height, inTissue, random);
  for (const gland of glands) paintGland(gland, rgb, mask, labels, width, height, random);
  paintStromaNuclei(rgb, labels, width, height, inTissue, random);
  return { width, height, rgb, mask, labels, glands };
}

interface NoiseGrid {
  values: Buffer;
  cols: number;
  rows: number;
  cell: number;
}

/** Random values 0..255 on a grid every `cell` pixels. */
function noiseGrid(width: number, height: number, cell: number, random: () => number): NoiseGrid {
  const cols = Math.ceil(width / cell) + 1;
  const rows = Math.ceil(height / cell) + 1;
  const values = Buffer.alloc(cols * rows);
  for (let i = 0; i < values.length; i++) values[i] = Math.floor(random() * 256);
  return { values, cols, rows, cell };
}

/** The grid enlarged to full size by sharp (native resampling; per-pixel interpolation in JavaScript took seconds). */
async function enlargeNoise({ values, cols, rows, cell }: NoiseGrid, width: number, height: number): Promise<Uint8Array> {
  const enlarged = await sharp(values, { raw: { width: cols, height: rows, channels: 1 } })
    .resize(cols * cell, rows * cell, { kernel: 'cubic', fit: 'fill' })
    .extract({ left: 0, top: 0, width, height })
    .raw()
    .toBuffer();
  return new Uint8Array(enlarged.buffer, enlarged.byteOffset, width * height);
}

/** 1 inside an irregular rounded blob (a wobbly superellipse) filling most of the field, 0 on glass. */
function tissueMap(width: number, height: number, wobble: Uint8Array): Uint8Array {
  const tissue = new Uint8Array(width * height);
  const u4 = Float64Array.from({ length: width }, (_, x) => ((x - width / 2) / (0.47 * width)) ** 4);
  for (let y = 0; y < height; y++) {
    const v4 = ((y - height / 2) / (0.45 * height)) ** 4;
    for (let x = 0, i = y * width; x < width; x++, i++) tissue[i] = u4[x] + v4 < 0.75 + wobble[i] / 510 ? 1 : 0;
  }
  return tissue;
}

function paintBackground(rgb: Buffer, tissue: Uint8Array, coarse: Uint8Array, fine: Uint8Array, random: () => number): void {
  // A clamped view rounds and clamps on assignment; grain comes from a local xorshift (a closure call per pixel costs seconds).
  const out = new Uint8ClampedArray(rgb.buffer, rgb.byteOffset, rgb.length);
  let state = Math.floor(random() * 0xffffffff) | 1;
  for (let i = 0, o = 0; i < tissue.length; i++, o += 3) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const grain = ((state >>> 0) / 4294967296 - 0.5) * 8;
    if (!tissue[i]) {
      out[o] = GLASS[0] + grain / 2;
      out[o + 1] = GLASS[1] + grain / 2;
      out[o + 2] = GLASS[2] + grain / 2;
      continue;
    }
    // Stroma: eosin pink, paler where the coarse noise is high (looser tissue), fibrous fine texture.
    const shade = (coarse[i] / 255 - 0.5) * 34 + (fine[i] / 255 - 0.5) * 26 + grain;
    out[o] = STROMA[0] + shade * 0.6;
    out[o + 1] = STROMA[1] + shade;
    out[o + 2] = STROMA[2] + shade * 0.7;
  }
}

/** Random non-overlapping glands inside the tissue; rejected candidates cost only a few tests. */
function placeGlands(width: number, height: number, inTissue: (x: number, y: number) => boolean, random: () => number): GlandShape[] {
  const glands: GlandShape[] = [];
  const reach = (g: GlandShape) => Math.max(g.a, g.b) * (1 + g.harmonics.reduce((sum, h) => sum + h.amplitude, 0));
  for (let attempt = 0; attempt < 4000 && glands.length < 60; attempt++) {
    const a = 60 + random() * 130;
    const candidate: GlandShape = {
      id: glands.length + 1,
      cx: random() * width,
      cy: random() * height,
      a,
      b: a * (0.55 + random() * 0.45),
      angle: random() * Math.PI,
      harmonics: [2, 3, 5].map((k) => ({ k, amplitude: random() * (k === 5 ? 0.03 : 0.07), phase: random() * 2 * Math.PI })),
      epithelium: 16 + random() * 14,
    };
    const r = reach(candidate);
    if (candidate.cx - r < 8 || candidate.cy - r < 8 || candidate.cx + r > width - 8 || candidate.cy + r > height - 8) continue;
    const edgePoints = [[0, 0], [r, 0], [-r, 0], [0, r], [0, -r]];
    if (!edgePoints.every(([dx, dy]) => inTissue(candidate.cx + dx, candidate.cy + dy))) continue;
    if (glands.some((g) => Math.hypot(g.cx - candidate.cx, g.cy - candidate.cy) < reach(g) + r + GLAND_GAP)) continue;
    glands.push(candidate);
  }
  return glands;
}

export type GlandZone = 'outside' | 'epithelium' | 'lumen';

/** Where a pixel lies relative to a gland: outside, epithelium, or lumen. */
export function glandZone(g: GlandShape, x: number, y: number): { zone: GlandZone; depth: number } {
  return zoneClassifier(g)(x, y);
}

/** Angular resolution of the boundary tables: 4096 steps is under 0.1 degree. */
const ANGLE_STEPS = 4096;

/**
 * glandZone with everything that depends only on the gland or the angle computed once: the
 * rotation, and per angle the boundary factor R(phi) and the ellipse radius (pixels per unit rho).
 * It runs for every pixel of the gland's bounding box.
 */
function zoneClassifier(g: GlandShape): (x: number, y: number) => { zone: GlandZone; depth: number } {
  const cos = Math.cos(g.angle);
  const sin = Math.sin(g.angle);
  const boundary = new Float64Array(ANGLE_STEPS + 1);
  const pixelsPerRho = new Float64Array(ANGLE_STEPS + 1);
  for (let step = 0; step <= ANGLE_STEPS; step++) {
    const phi = (step / ANGLE_STEPS) * 2 * Math.PI - Math.PI;
    boundary[step] = 1 + g.harmonics.reduce((sum, h) => sum + h.amplitude * Math.cos(h.k * phi + h.phase), 0);
    pixelsPerRho[step] = Math.hypot(g.a * Math.cos(phi), g.b * Math.sin(phi));
  }
  return (x, y) => {
    const dx = x - g.cx;
    const dy = y - g.cy;
    const u = (dx * cos + dy * sin) / g.a;
    const v = (-dx * sin + dy * cos) / g.b;
    const rho = Math.sqrt(u * u + v * v);
    const step = Math.round(((Math.atan2(v, u) + Math.PI) / (2 * Math.PI)) * ANGLE_STEPS);
    if (rho >= boundary[step]) return OUTSIDE;
    // Radial distance in pixels from the outer boundary along the ray through the centre.
    const depth = (boundary[step] - rho) * pixelsPerRho[step];
    return { zone: depth < g.epithelium ? 'epithelium' : 'lumen', depth };
  };
}

const OUTSIDE = { zone: 'outside', depth: 0 } as const;

function paintGland(g: GlandShape, rgb: Buffer, mask: Buffer, labels: Uint16Array, width: number, height: number, random: () => number): void {
  const reach = Math.ceil(Math.max(g.a, g.b) * (1 + g.harmonics.reduce((s, h) => s + h.amplitude, 0))) + 1;
  const x0 = Math.max(0, Math.floor(g.cx - reach));
  const x1 = Math.min(width - 1, Math.ceil(g.cx + reach));
  const y0 = Math.max(0, Math.floor(g.cy - reach));
  const y1 = Math.min(height - 1, Math.ceil(g.cy + reach));
  const classify = zoneClassifier(g);
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const { zone } = classify(x, y);
      if (zone === 'outside') continue;
      const i = y * width + x;
      mask[i] = 255;
      labels[i] = g.id;
      const grain = (random() - 0.5) * 10;
      const colour = zone === 'lumen' ? LUMEN : CYTOPLASM;
      setRgb(rgb, i * 3, colour[0] + grain, colour[1] + grain, colour[2] + grain);
    }
  }
  // Epithelial nuclei: a palisade near the basal (outer) side, elongated along the radius.
  const perimeterStep = 8;
  const perimeter = Math.PI * (g.a + g.b);
  const count = Math.floor(perimeter / perimeterStep);
  for (let n = 0; n < count; n++) {
    const t = (n + random() * 0.4) / count;
    const phi = t * 2 * Math.PI;
    let boundary = 1;
    for (const h of g.harmonics) boundary += h.amplitude * Math.cos(h.k * phi + h.phase);
    const edgeU = boundary * g.a * Math.cos(phi);
    const edgeV = boundary * g.b * Math.sin(phi);
    const edgeRadius = Math.hypot(edgeU, edgeV);
    const depth = g.epithelium * (0.3 + random() * 0.15);
    const scale = (edgeRadius - depth) / edgeRadius;
    const cos = Math.cos(g.angle);
    const sin = Math.sin(g.angle);
    const nx = g.cx + (edgeU * cos - edgeV * sin) * scale;
    const ny = g.cy + (edgeU * sin + edgeV * cos) * scale;
    const radialAngle = Math.atan2(ny - g.cy, nx - g.cx);
    drawNucleus(rgb, width, height, nx, ny, 6.5 + random() * 2, 3 + random() * 0.8, radialAngle, EPITHELIAL_NUCLEUS, (i) => labels[i] === g.id);
  }
}

function paintStromaNuclei(rgb: Buffer, labels: Uint16Array, width: number, height: number, inTissue: (x: number, y: number) => boolean, random: () => number): void {
  const count = Math.floor((width * height) / 700);
  for (let n = 0; n < count; n++) {
    const x = random() * width;
    const y = random() * height;
    const major = 2.5 + random() * 3.5;
    const minor = major * (0.45 + random() * 0.4);
    const angle = random() * Math.PI;
    if (!inTissue(x, y)) continue;
    drawNucleus(rgb, width, height, x, y, major, minor, angle, STROMA_NUCLEUS, (i) => labels[i] === 0);
  }
}

/** A soft-edged filled ellipse blended over the painting where `allowed(pixelIndex)`. */
function drawNucleus(
  rgb: Buffer,
  width: number,
  height: number,
  cx: number,
  cy: number,
  major: number,
  minor: number,
  angle: number,
  colour: Rgb,
  allowed: (pixelIndex: number) => boolean,
): void {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const r = Math.ceil(major) + 1;
  for (let y = Math.max(0, Math.floor(cy - r)); y <= Math.min(height - 1, Math.ceil(cy + r)); y++) {
    for (let x = Math.max(0, Math.floor(cx - r)); x <= Math.min(width - 1, Math.ceil(cx + r)); x++) {
      const dx = x - cx;
      const dy = y - cy;
      const u = (dx * cos + dy * sin) / major;
      const v = (-dx * sin + dy * cos) / minor;
      const d = Math.hypot(u, v);
      if (d >= 1) continue;
      const i = y * width + x;
      if (!allowed(i)) continue;
      const alpha = Math.min(1, (1 - d) * 3) * 0.92;
      const o = i * 3;
      setRgb(rgb, o, rgb[o] + (colour[0] - rgb[o]) * alpha, rgb[o + 1] + (colour[1] - rgb[o + 1]) * alpha, rgb[o + 2] + (colour[2] - rgb[o + 2]) * alpha);
    }
  }
}

function setRgb(rgb: Buffer, offset: number, r: number, g: number, b: number): void {
  rgb[offset] = clampByte(r);
  rgb[offset + 1] = clampByte(g);
  rgb[offset + 2] = clampByte(b);
}

function clampByte(value: number): number {
  return value <= 0 ? 0 : value >= 255 ? 255 : Math.round(value);
}
