/**
 * Viewport query time with 50,000 glands on one slide: AnnotationStore.query (the R*Tree joined
 * with the annotations table, rows decoded into Glands, what 'glands:query' answers) against a
 * reference in the same run on the same rows: the same answer without the index (every visible
 * row of the slide read, decoded and filtered by bounding box in JS).
 *
 *   npx tsx bench/viewport-query.ts [--glands N] [--queries Q]
 *
 * The glands are 32-gon blobs of 40-150 px radius on a jittered grid over a square slide, put in
 * the way a prediction puts them (replaceProposed, region by region), in a real project
 * database (WAL) in a temp folder. Viewports at seeded random places:
 *   viewport   2000 x 1500 level-0 px (a screen at full resolution)
 *   zoomed out 20000 x 15000 px (the same screen at 1/10: ~100x the glands)
 * Medians over Q queries (the reference over fewer: it is slow). Goal: viewport under 20 ms.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Region } from '../src-main/api/contract';
import { bbox, bboxesMeet } from '../src-main/annotations/geometry';
import { decodeGeometry, toGland } from '../src-main/annotations/rows';
import type { AnnotationRow } from '../src-main/annotations/rows';
import { AnnotationStore, type Proposal } from '../src-main/annotations/store';
import { TEST_SLIDE, disc, openTestProject, tempProjectDir } from '../src-main/annotations/test-support';
import { seededRandom } from '../src-main/slides/sample/random';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function timed<T>(run: () => T): { ms: number; value: T } {
  const started = performance.now();
  const value = run();
  return { ms: performance.now() - started, value };
}

function main(): number {
  const { values } = parseArgs({ options: { glands: { type: 'string', default: '50000' }, queries: { type: 'string', default: '200' } } });
  const glandCount = Number(values.glands);
  const queryCount = Number(values.queries);
  const random = seededRandom(20260101);
  // Grid spacing ~450 px: 50,000 glands cover a ~100,000 px square slide, a typical WSI.
  const spacing = 450;
  const perRow = Math.ceil(Math.sqrt(glandCount));
  const slideSize = perRow * spacing;

  const tmp = tempProjectDir('semimoe-bench-');
  try {
    const project = openTestProject(tmp.dir, TEST_SLIDE, slideSize);
    const store = new AnnotationStore(project.db);

    // Fill band by band, as predictions over regions would.
    const bandRows = 20;
    const fill = timed(() => {
      let inserted = 0;
      for (let row0 = 0; row0 < perRow && inserted < glandCount; row0 += bandRows) {
        const proposals: Proposal[] = [];
        for (let row = row0; row < Math.min(perRow, row0 + bandRows); row++) {
          for (let col = 0; col < perRow && inserted + proposals.length < glandCount; col++) {
            const r = 40 + random() * 110;
            const cx = col * spacing + spacing / 2 + (random() - 0.5) * (spacing - 2 * r - 10);
            const cy = row * spacing + spacing / 2 + (random() - 0.5) * (spacing - 2 * r - 10);
            proposals.push({ polygons: [disc(cx, cy, r, 32)], confidence: random(), uncertainty: random() });
          }
        }
        const band: Region = { x: 0, y: row0 * spacing, width: slideSize, height: bandRows * spacing };
        inserted += store.replaceProposed(TEST_SLIDE, band, 'bench', proposals).inserted;
      }
      return inserted;
    });
    console.log(`Viewport query, ${fill.value} glands on a ${slideSize} x ${slideSize} px slide (inserted in ${(fill.ms / 1000).toFixed(1)} s)\n`);

    const allRows = project.db.prepare('SELECT * FROM annotations WHERE slide_id = ? AND deleted = 0');
    /** The reference: the same answer without the R*Tree. */
    const fullScan = (region: Region) => {
      const box: [number, number, number, number] = [region.x, region.y, region.x + region.width, region.y + region.height];
      const out = [];
      for (const row of allRows.iterate(TEST_SLIDE) as Iterable<AnnotationRow>) {
        const polygons = decodeGeometry(row.geometry);
        if (bboxesMeet(bbox(polygons), box)) out.push(toGland(row, polygons));
      }
      return out;
    };

    const randomRegion = (width: number, height: number): Region => ({ x: random() * (slideSize - width), y: random() * (slideSize - height), width, height });
    const results = [];
    for (const [name, width, height] of [
      ['viewport 2000 x 1500', 2000, 1500],
      ['zoomed out 20000 x 15000', 20000, 15000],
    ] as const) {
      const indexed: number[] = [];
      const counts: number[] = [];
      for (let i = 0; i < queryCount; i++) {
        const { ms, value } = timed(() => store.query(TEST_SLIDE, randomRegion(width, height)));
        indexed.push(ms);
        counts.push(value.length);
      }
      const reference: number[] = [];
      for (let i = 0; i < Math.max(3, Math.round(queryCount / 40)); i++) {
        const region = randomRegion(width, height);
        const { ms, value } = timed(() => fullScan(region));
        // Same answer both ways, or the comparison means nothing.
        const ids = store.query(TEST_SLIDE, region).map((g) => g.id).sort();
        if (JSON.stringify(ids) !== JSON.stringify(value.map((g) => g.id).sort())) throw new Error(`${name}: the index and the scan disagree`);
        reference.push(ms);
      }
      const m = { indexed: median(indexed), reference: median(reference), glands: median(counts) };
      results.push({ name, medianMs: m.indexed, referenceMedianMs: m.reference, medianGlands: m.glands, ratio: m.indexed / m.reference });
      console.log(name);
      console.log(`  R*Tree query     ${m.indexed.toFixed(2)} ms   (median of ${indexed.length}; ${m.glands} glands per answer)${width === 2000 ? '   goal < 20 ms' : ''}`);
      console.log(`  full scan (ref)  ${m.reference.toFixed(1)} ms   (median of ${reference.length})`);
      console.log(`  ratio            ${(m.indexed / m.reference).toFixed(4)}x\n`);
    }
    project.close();
    const outDir = join(root, 'bench', 'results');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'viewport-query.json'), `${JSON.stringify({ date: new Date().toISOString(), glands: fill.value, slideSize, results }, null, 2)}\n`);
    return 0;
  } finally {
    tmp.remove();
  }
}

process.exitCode = main();
