/**
 * The probability and uncertainty maps as RGBA PNGs at model resolution, for the viewer to
 * stretch over the region they cover. Colour ramps carry alpha so the slide shows through:
 *  - probability: transparent below 0.1, then green whose opacity grows with p;
 *  - uncertainty: transparent at 0, through yellow to red, opacity growing with u.
 * The viewer's opacity slider multiplies these alphas.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../trainer/atomic-write';

export const HEATMAP_FILES = { probability: 'probability.png', uncertainty: 'uncertainty.png' } as const;

export type Rgba = [number, number, number, number];

export function probabilityColour(p: number): Rgba {
  if (!(p > 0.1)) return [0, 0, 0, 0];
  const t = Math.min(1, (p - 0.1) / 0.9);
  return [20, Math.round(120 + 100 * t), 60, Math.round(40 + 160 * t)];
}

export function uncertaintyColour(u: number): Rgba {
  const t = Math.min(1, Math.max(0, u));
  if (t < 0.02) return [0, 0, 0, 0];
  // Yellow (255, 230, 0) at low uncertainty to red (220, 20, 20) at high.
  return [Math.round(255 - 35 * t), Math.round(230 - 210 * t), Math.round(20 * t), Math.round(30 + 200 * t)];
}

/** RGBA bytes of a map through a colour ramp. */
export function colourise(map: Float32Array, ramp: (v: number) => Rgba): Buffer {
  const out = Buffer.alloc(map.length * 4);
  for (let i = 0; i < map.length; i++) {
    const c = ramp(map[i]);
    out[i * 4] = c[0];
    out[i * 4 + 1] = c[1];
    out[i * 4 + 2] = c[2];
    out[i * 4 + 3] = c[3];
  }
  return out;
}

export interface HeatmapPaths {
  probability: string;
  uncertainty: string;
}

/** Writes both maps (each file atomically) into `dir`; returns their paths. */
export async function writeHeatmaps(dir: string, maps: { probability: Float32Array; uncertainty: Float32Array; width: number; height: number }): Promise<HeatmapPaths> {
  await mkdir(dir, { recursive: true });
  const png = (map: Float32Array, ramp: (v: number) => Rgba) => sharp(colourise(map, ramp), { raw: { width: maps.width, height: maps.height, channels: 4 } }).png().toBuffer();
  const paths = { probability: path.join(dir, HEATMAP_FILES.probability), uncertainty: path.join(dir, HEATMAP_FILES.uncertainty) };
  await writeFileAtomic(paths.probability, await png(maps.probability, probabilityColour));
  await writeFileAtomic(paths.uncertainty, await png(maps.uncertainty, uncertaintyColour));
  return paths;
}
