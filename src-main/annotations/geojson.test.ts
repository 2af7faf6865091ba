import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors';
import * as geo from './geometry';
import { exportGeoJson, importGeoJson, parseGeoJson, type FeatureCollection } from './geojson';
import { AnnotationStore } from './store';
import { TEST_SLIDE as SLIDE, disc, openTestProject, square, tempProjectDir } from './test-support';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

function newStore(): AnnotationStore {
  const { dir, remove } = tempProjectDir();
  const project = openTestProject(dir);
  cleanups.push(() => {
    project.close();
    remove();
  });
  return new AnnotationStore(project.db);
}

const feature = (geometry: unknown, properties: Record<string, unknown> = { objectType: 'annotation' }) => ({ type: 'Feature', geometry, properties });
const polygon = (coordinates: unknown) => ({ type: 'Polygon', coordinates });
const collection = (...features: unknown[]) => JSON.stringify({ type: 'FeatureCollection', features });

describe('GeoJSON export and import', () => {
  it('round-trips glands through a QuPath-style FeatureCollection, leaving rejected ones out', () => {
    const source = newStore();
    source.replaceProposed(SLIDE, { x: 0, y: 0, width: 10_000, height: 10_000 }, 'v7', [
      { polygons: [disc(500, 500, 40)], confidence: 0.75, uncertainty: 0.125 },
      { polygons: [square(900, 900, 30)], confidence: 0.5, uncertainty: 0.5 },
    ]);
    const [proposed, toReject] = source.all(SLIDE);
    source.apply(SLIDE, { kind: 'set-status', ids: [toReject.id], status: 'rejected' });
    const human = source.apply(SLIDE, { kind: 'create', polygons: [square(100, 100, 50)] }).changed[0];
    const lumen = source.apply(SLIDE, { kind: 'brush-erase', ids: [human.id], stroke: square(120, 120, 10) }).changed[0];
    const two = source.apply(SLIDE, { kind: 'create', polygons: [square(2000, 0, 20), square(2100, 0, 20)] }).changed[0];

    const { geojson, count } = exportGeoJson(source, SLIDE);
    expect(count).toBe(3);
    const parsed = JSON.parse(geojson) as FeatureCollection;
    const byId = new Map(parsed.features.map((f) => [f.id, f]));
    expect(byId.has(toReject.id)).toBe(false);
    expect(byId.get(proposed.id)?.properties).toMatchObject({
      objectType: 'annotation',
      classification: { name: 'Gland', color: [0, 170, 80] },
      semimoe: { status: 'proposed', source: 'model', confidence: 0.75, uncertainty: 0.125, modelVersion: 'v7' },
    });
    expect(byId.get(lumen.id)?.geometry.type).toBe('Polygon');
    expect(byId.get(two.id)?.geometry.type).toBe('MultiPolygon');

    const target = newStore();
    expect(importGeoJson(target, SLIDE, geojson)).toEqual({ imported: 3, skipped: [] });
    const imported = target.all(SLIDE);
    const sortKey = (p: geo.MultiPolygon) => JSON.stringify(p);
    expect(imported.map((g) => sortKey(g.polygons)).sort()).toEqual([proposed, lumen, two].map((g) => sortKey(g.polygons)).sort());
    expect(imported.every((g) => g.source === 'human' && g.status === 'accepted')).toBe(true);
    // One undoable step.
    expect(target.undo(SLIDE)).toMatchObject({ label: 'Import 3 glands', canUndo: false });
    expect(target.all(SLIDE)).toEqual([]);
  });

  it('reads a bare array of features and a single Feature, and skips what is not a gland', () => {
    const parsed = parseGeoJson(
      JSON.stringify([
        feature(polygon(square(0, 0, 10)), { objectType: 'annotation', classification: { name: 'Tumor', colorRGB: -65536 } }),
        feature(polygon(square(20, 0, 10)), { objectType: 'detection' }),
        feature(polygon(square(40, 0, 10)), { objectType: 'cell' }),
        feature({ type: 'Point', coordinates: [5, 5] }),
        feature({ type: 'LineString', coordinates: [[0, 0], [5, 5]] }),
        feature(null),
        feature({ type: 'GeometryCollection', geometries: [polygon(square(60, 0, 10)), { type: 'Point', coordinates: [1, 1] }] }),
      ]),
    );
    expect(parsed.glands.map((g) => g.className)).toEqual(['Tumor', 'Gland', 'Gland']);
    expect(parsed.skipped.map((s) => s.index)).toEqual([2, 3, 4, 5]);
    expect(parseGeoJson(JSON.stringify(feature(polygon(square(0, 0, 10))))).glands).toHaveLength(1);
  });
});

describe('malformed GeoJSON is refused whole', () => {
  const good = feature(polygon(square(0, 0, 10)));
  const cases: [string, string, RegExp][] = [
    ['not JSON', '{"type": "FeatureCollection", "features": [', /not valid JSON/],
    ['NaN written into the file', '{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[NaN,0],[1,1],[0,0]]]}}', /not valid JSON/],
    ['a geometry instead of a feature collection', JSON.stringify(polygon(square(0, 0, 10))), /holds a "Polygon"/],
    ['a number', '42', /expected a GeoJSON FeatureCollection/],
    ['features not a list', '{"type":"FeatureCollection","features":{}}', /no "features" list/],
    ['a ring with 2 points', collection(good, feature(polygon([[[0, 0], [5, 5]]]))), /feature 2: the outer ring has only 2 points/],
    ['a null coordinate (what some writers put for NaN)', collection(feature(polygon([[[0, 0], [null, 0], [1, 1], [0, 0]]]))), /feature 1: .*point 2 is not an \[x, y\] pair/],
    ['a string coordinate', collection(feature(polygon([[[0, 0], ['NaN', 0], [1, 1], [0, 0]]]))), /point 2 is not an \[x, y\] pair/],
    ['an unclosed ring', collection(feature(polygon([[[0, 0], [10, 0], [10, 10], [0, 10]]]))), /feature 1: the outer ring is not closed/],
    ['a self-intersecting polygon', collection(good, good, feature(polygon([[[0, 0], [10, 10], [10, 0], [0, 10], [0, 0]]]))), /feature 3: .*crosses itself/],
    ['huge coordinates', collection(feature(polygon([[[0, 0], [1e300, 0], [1e300, 1e300], [0, 0]]]))), /far outside any slide/],
    ['an unknown geometry type', collection(feature({ type: 'Circle', coordinates: [0, 0] })), /unknown geometry type "Circle"/],
    ['a geometry without type', collection(feature({ coordinates: [] })), /without a "type"/],
    ['a MultiPolygon with a bad part', collection(feature({ type: 'MultiPolygon', coordinates: [square(0, 0, 5), [[[0, 0], [1, 1]]]] })), /polygon 2: the outer ring has only 2 points/],
    ['a hole outside its polygon', collection(feature(polygon([square(0, 0, 10)[0], square(50, 50, 5)[0]]))), /hole 1 lies .*outside/],
    ['a non-feature in the list', JSON.stringify([good, { type: 'Polygon' }]), /feature 2 is not a GeoJSON Feature/],
    ['a classification that is not an object', collection(feature(polygon(square(0, 0, 10)), { classification: 'Gland' })), /"classification" that is not an object/],
  ];

  it.each(cases)('%s', (_name, text, message) => {
    const store = newStore();
    store.apply(SLIDE, { kind: 'create', polygons: [square(500, 500, 10)] });
    let caught: unknown;
    try {
      importGeoJson(store, SLIDE, text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ApiError);
    expect((caught as ApiError).code).toBe('invalid-geojson');
    expect((caught as ApiError).message).toMatch(/^Nothing was imported: /);
    expect((caught as ApiError).message).toMatch(message);
    // Nothing imported: only the gland drawn before, and the history unchanged.
    expect(store.all(SLIDE)).toHaveLength(1);
    expect(store.undo(SLIDE).label).toBe('Draw gland');
  });
});
