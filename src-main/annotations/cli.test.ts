/** `semimoe export` and `semimoe import` (src-main/cli/export.ts, import.ts) on a real project. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as exportCommand } from '../cli/export';
import { run as importCommand } from '../cli/import';
import { ProjectStore } from '../project/store';
import { AnnotationStore } from './store';
import { square, tempProjectDir } from './test-support';
import { runCaptured } from '../cli/test-support';

let tmp: ReturnType<typeof tempProjectDir>;
let slidePath: string;
let projectDir: string;

beforeAll(async () => {
  tmp = tempProjectDir('semimoe-cli-');
  slidePath = join(tmp.dir, 'slide.tif');
  projectDir = join(tmp.dir, 'project');
  const pixels = Buffer.alloc(64 * 48 * 3, 200);
  await sharp(pixels, { raw: { width: 64, height: 48, channels: 3 } }).tiff({ tile: true, pyramid: true }).toFile(slidePath);
});
afterAll(() => tmp.remove());


const collection = (...polygons: ReturnType<typeof square>[]) =>
  JSON.stringify({ type: 'FeatureCollection', features: polygons.map((p) => ({ type: 'Feature', geometry: { type: 'Polygon', coordinates: p }, properties: { objectType: 'annotation' } })) });

describe('semimoe import / export', () => {
  it('imports by slide path, exports by slide id, and writes a mask', async () => {
    const input = join(tmp.dir, 'in.geojson');
    writeFileSync(input, collection(square(8, 8, 16), square(40, 8, 8)));
    const imported = await runCaptured(importCommand, ['--project', projectDir, '--slide', slidePath, input]);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    const { slideId, imported: count } = JSON.parse(imported.stdout) as { slideId: string; imported: number };
    expect(count).toBe(2);
    expect(slideId).toMatch(/^[0-9a-f]{16}$/);

    const out = join(tmp.dir, 'out.geojson');
    const mask = join(tmp.dir, 'mask.png');
    const exported = await runCaptured(exportCommand, ['--project', projectDir, '--slide', slideId, '-o', out, '--mask', mask, '--downsample', '4', '--instances']);
    expect(exported.code).toBe(0);
    const summary = JSON.parse(exported.stdout);
    expect(summary.geojson.count).toBe(2);
    expect(summary.mask).toMatchObject({ width: 16, height: 12, kind: 'instances', glands: 2 });
    expect(JSON.parse(readFileSync(out, 'utf8')).features).toHaveLength(2);
    const { data } = await sharp(mask).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
    const labels = new Uint16Array(data.buffer, data.byteOffset, 16 * 12);
    // Square 1 covers level-0 8..24, i.e. mask pixels 2..5; square 2 covers 40..48, pixels 10..11.
    expect(labels[3 * 16 + 3]).toBe(1);
    expect(labels[3 * 16 + 10]).toBe(2);
    expect(labels.filter((v) => v === 1)).toHaveLength(16);
    expect(labels.filter((v) => v === 2)).toHaveLength(4);

    // The import is one undoable step in the project's history.
    const project = new ProjectStore(projectDir);
    try {
      expect(new AnnotationStore(project.db).undo(slideId).label).toBe('Import 2 glands');
    } finally {
      project.close();
    }
  });

  it('refuses a malformed file with a JSON error on stderr and exit code 1, importing nothing', async () => {
    const bad = join(tmp.dir, 'bad.geojson');
    writeFileSync(bad, collection(square(0, 0, 4)).replace('[[0,0],[4,0]', '[[0,0],[4,"x"]'));
    const result = await runCaptured(importCommand, ['--project', projectDir, '--slide', slidePath, bad]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stderr).error).toMatchObject({ code: 'invalid-geojson' });
    expect(JSON.parse(result.stderr).error.message).toMatch(/feature 1/);
  });

  it('explains usage errors with exit code 2 and an unknown slide id with not-found', async () => {
    expect((await runCaptured(exportCommand, ['--project', projectDir])).code).toBe(2);
    const unknown = await runCaptured(exportCommand, ['--project', projectDir, '--slide', 'nope', '-o', join(tmp.dir, 'x.geojson')]);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stderr).error).toMatchObject({ code: 'not-found', message: expect.stringMatching(/no slide "nope"/) });
    const noProject = await runCaptured(exportCommand, ['--project', join(tmp.dir, 'missing'), '--slide', 'nope', '-o', join(tmp.dir, 'x.geojson')]);
    expect(JSON.parse(noProject.stderr).error.message).toMatch(/No project folder/);
  });
});
