/**
 * Test helpers: a project on the generated sample slide whose ground-truth glands are human
 * annotations and some fields around them are done (train and validation), the labelled data a
 * pathologist would have produced. Used by the retrain tests only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PolygonRings } from '../api/contract';
import { StudioEngine } from '../engine/studio-engine';
import { fieldId, type FieldSplit } from '../inference/fields';
import { generateSampleSlide, type SampleSlide } from '../slides/sample';
import type { GlandShape } from '../slides/sample/tissue-painter';
import type { RetrainOptions } from './retrain-service';

/** The outline the painter fills (tissue-painter.ts zoneClassifier), as a polygon. */
export function glandOutline(g: GlandShape, points = 96): PolygonRings {
  const cos = Math.cos(g.angle);
  const sin = Math.sin(g.angle);
  const ring: [number, number][] = [];
  for (let k = 0; k < points; k++) {
    const phi = (k / points) * 2 * Math.PI;
    const r = 1 + g.harmonics.reduce((sum, h) => sum + h.amplitude * Math.cos(h.k * phi + h.phase), 0);
    const u = r * g.a * Math.cos(phi);
    const v = r * g.b * Math.sin(phi);
    ring.push([g.cx + u * cos - v * sin, g.cy + u * sin + v * cos]);
  }
  ring.push(ring[0]);
  return [ring];
}

export interface SampleProject {
  root: string;
  projectDir: string;
  engine: StudioEngine;
  sample: SampleSlide;
  slideId: string;
  remove(): Promise<void>;
}

/** Field side in level-0 pixels: 400 px at 0.5 um/px is 161 model pixels at 1.24 um/px. */
export const FIELD_SIDE = 400;

/**
 * `train` + `validation` done fields, each centred on a gland of the sample (spread over the
 * slide), with every sample gland as an accepted human annotation.
 */
export async function sampleProject(opts: { train: number; validation: number; retrain?: RetrainOptions; sampleDir?: string }): Promise<SampleProject> {
  const root = await mkdtemp(path.join(tmpdir(), 'semimoe-retrain-'));
  const sample = await generateSampleSlide(opts.sampleDir ?? path.join(root, 'sample'), { width: 2048, height: 1536 });
  const projectDir = path.join(root, 'project');
  const engine = new StudioEngine({ projectDir, mode: 'web', retrain: opts.retrain });
  const slide = await engine.handle('slides:open', { path: sample.slidePath });
  engine.glands.addHumanGlands(
    slide.id,
    sample.manifest.glands.map((g) => ({ polygons: [glandOutline(g)] })),
    'ground truth',
  );
  const inside = sample.manifest.glands.filter(
    (g) => g.cx > FIELD_SIDE / 2 && g.cy > FIELD_SIDE / 2 && g.cx < sample.manifest.width - FIELD_SIDE / 2 && g.cy < sample.manifest.height - FIELD_SIDE / 2,
  );
  const want = opts.train + opts.validation;
  const stride = Math.max(1, Math.floor(inside.length / want));
  const fields = Array.from({ length: want }, (_, k) => {
    const g = inside[Math.min(inside.length - 1, k * stride)];
    const r = { x: Math.round(g.cx - FIELD_SIDE / 2), y: Math.round(g.cy - FIELD_SIDE / 2), width: FIELD_SIDE, height: FIELD_SIDE };
    const split: FieldSplit = k < opts.train ? 'train' : 'validation';
    return { ...r, id: fieldId(slide.id, r), slideId: slide.id, split };
  });
  engine.review.fields.addCandidates(fields.map((f) => ({ ...f, tissueFraction: 1 })));
  for (const f of fields) engine.review.fields.markDone(f.id);
  return {
    root,
    projectDir,
    engine,
    sample,
    slideId: slide.id,
    remove: async () => {
      await engine.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
