import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors';
import { doneFields, SNAPSHOT_FILE, snapshotTrainingData, type SnapshotSummary } from './snapshot';
import { sampleProject, type SampleProject } from './test-support';

const MPP = 1.24;
let project: SampleProject;
let summary: SnapshotSummary;

async function grey(file: string) {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

beforeAll(async () => {
  project = await sampleProject({ train: 2, validation: 1 });
  const { engine } = project;
  summary = await snapshotTrainingData(
    { db: engine.store.db, glands: engine.glands, fields: engine.review.fields, slidePath: (id) => engine.store.getSlide(id)?.path ?? null },
    path.join(project.projectDir, 'training-runs', 'test'),
    { mpp: MPP, tileSize: 256, maxUnlabelledTiles: 5 },
  );
}, 60_000);
afterAll(async () => project?.remove());

describe('snapshotTrainingData', () => {
  it('writes done fields by split and tissue tiles as unlabelled images, with a summary', async () => {
    expect(summary).toMatchObject({ labelledFields: 2, validationFields: 1, mpp: MPP });
    // A 2048 x 1536 slide holds 6 tiles of 635 level-0 px; those touching a done field are left out.
    expect(summary.unlabelledTiles).toBeGreaterThanOrEqual(2);
    expect(summary.unlabelledTiles).toBeLessThanOrEqual(5);
    const tiles = summary.unlabelled.map((e) => e.file);
    expect(tiles).toEqual(Array.from({ length: summary.unlabelledTiles }, (_, k) => `t00${k + 1}.png`));
    const trainImages = (await readdir(path.join(summary.trainDir, 'images'))).sort();
    expect(trainImages).toEqual(['f001.png', 'f002.png', ...tiles]);
    expect((await readdir(path.join(summary.trainDir, 'labels'))).sort()).toEqual(['f001.png', 'f002.png']);
    expect(await readdir(path.join(summary.validationDir, 'labels'))).toEqual(['f001.png']);
    const onDisk = JSON.parse(await readFile(path.join(summary.runDir, SNAPSHOT_FILE), 'utf8')) as SnapshotSummary;
    expect(onDisk.train.map((e) => e.fieldId)).toEqual(summary.train.map((e) => e.fieldId));
    // Tissue tiles stay clear of every done field.
    const done = [...summary.train, ...summary.validation].map((e) => e.region);
    for (const t of summary.unlabelled) {
      for (const d of done) expect(t.region.x + t.region.width <= d.x || d.x + d.width <= t.region.x || t.region.y + t.region.height <= d.y || d.y + d.height <= t.region.y).toBe(true);
    }
  });

  it('labels match the sample ground truth, and images are the slide at the model resolution', async () => {
    const truth = await grey(project.sample.maskPath);
    for (const entry of [...summary.train.map((e) => ({ e, dir: summary.trainDir })), ...summary.validation.map((e) => ({ e, dir: summary.validationDir }))]) {
      const label = await grey(path.join(entry.dir, 'labels', entry.e.file));
      const image = await sharp(path.join(entry.dir, 'images', entry.e.file)).metadata();
      expect([image.width, image.height]).toEqual([label.width, label.height]);
      expect(label.width).toBe(Math.round((entry.e.region.width * 0.5) / MPP));
      expect(entry.e.glands).toBeGreaterThan(0);
      // Compare every label pixel with the ground-truth mask pixel under its centre.
      let agree = 0;
      let fg = 0;
      const s = entry.e.region.width / label.width;
      for (let y = 0; y < label.height; y++) {
        for (let x = 0; x < label.width; x++) {
          const tx = Math.floor(entry.e.region.x + (x + 0.5) * s);
          const ty = Math.floor(entry.e.region.y + (y + 0.5) * s);
          const t = truth.data[(ty * truth.width + tx) * truth.channels] > 0;
          const l = label.data[(y * label.width + x) * label.channels] > 0;
          if (l) fg++;
          if (t === l) agree++;
        }
      }
      expect(fg / (label.width * label.height)).toBeGreaterThan(0.05);
      expect(agree / (label.width * label.height)).toBeGreaterThan(0.97);
    }
  });

  it('refuses with invalid-request when no training field is done', async () => {
    const { engine } = project;
    const train = doneFields(engine.store.db, engine.review.fields).train;
    for (const f of train) engine.review.fields.reopen(f.id);
    try {
      const run = snapshotTrainingData(
        { db: engine.store.db, glands: engine.glands, fields: engine.review.fields, slidePath: () => null },
        path.join(project.projectDir, 'training-runs', 'none'),
        { mpp: MPP, tileSize: 256, maxUnlabelledTiles: 5 },
      );
      await expect(run).rejects.toBeInstanceOf(ApiError);
      await expect(run).rejects.toMatchObject({ code: 'invalid-request' });
    } finally {
      for (const f of train) engine.review.fields.markDone(f.id);
    }
  });
});
