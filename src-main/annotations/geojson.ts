/**
 * GeoJSON exchange with QuPath, in level-0 pixel coordinates (QuPath's own convention).
 *
 * Export: a FeatureCollection of annotations; rejected glands are left out (they are a 'no').
 * Import: a FeatureCollection, a single Feature, or a bare array of Features (what QuPath's
 * "Export objects" writes depending on its options). All or nothing: the whole file is checked
 * before anything is written, and the first problem is reported with the feature's index.
 *
 * What is imported, and what is skipped without refusing the file (it is valid GeoJSON, just
 * not glands):
 *   - Polygon and MultiPolygon geometries; a GeometryCollection contributes its polygon members.
 *   - objectType 'annotation' (or none: plain GeoJSON from other tools) and 'detection' (QuPath
 *     writes pixel-classifier and StarDist-style outlines as detections) become glands.
 *   - objectType 'cell' (nucleus/cell outlines), 'tile' and 'tma_core' are skipped: they are not
 *     glands, and importing thousands of nuclei as glands would bury the slide.
 *   - Point and line geometries (QuPath points, rulers) and features with a null geometry are
 *     skipped.
 */
import type { Gland, PolygonRings } from '../api/contract';
import { ApiError } from '../api/errors';
import { GeometryError, type MultiPolygon, polygonProblem, validated } from './geometry';
import type { AnnotationStore, NewGland } from './store';

/** Most features one file may hold: beyond any slide's glands, and a bound on memory. */
export const MAX_IMPORT_FEATURES = 500_000;

/** Classification colours QuPath shows; unknown classes get a stable colour from their name. */
const CLASS_COLORS: Record<string, [number, number, number]> = {
  Gland: [0, 170, 80],
  Tumor: [200, 0, 0],
  Stroma: [150, 200, 150],
};

export function classColor(name: string): [number, number, number] {
  const known = CLASS_COLORS[name];
  if (known) return known;
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return [64 + (hash & 127), 64 + ((hash >> 8) & 127), 64 + ((hash >> 16) & 127)];
}

export interface GeoJsonFeature {
  type: 'Feature';
  id: string;
  geometry: { type: 'Polygon'; coordinates: PolygonRings } | { type: 'MultiPolygon'; coordinates: PolygonRings[] };
  properties: {
    objectType: 'annotation';
    classification: { name: string; color: [number, number, number] };
    isLocked: boolean;
    semimoe: {
      status: Gland['status'];
      source: Gland['source'];
      confidence: number | null;
      uncertainty: number | null;
      modelVersion: string | null;
    };
  };
}

export interface FeatureCollection {
  type: 'FeatureCollection';
  features: GeoJsonFeature[];
}

/** QuPath-readable features for glands; rejected glands are left out. */
export function toFeatureCollection(glands: readonly Gland[]): FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: glands
      .filter((gland) => gland.status !== 'rejected')
      .map((gland) => ({
        type: 'Feature',
        id: gland.id,
        geometry:
          gland.polygons.length === 1
            ? { type: 'Polygon', coordinates: gland.polygons[0] }
            : { type: 'MultiPolygon', coordinates: gland.polygons },
        properties: {
          objectType: 'annotation',
          classification: { name: gland.className, color: classColor(gland.className) },
          isLocked: false,
          semimoe: {
            status: gland.status,
            source: gland.source,
            confidence: gland.confidence,
            uncertainty: gland.uncertainty,
            modelVersion: gland.modelVersion,
          },
        },
      })),
  };
}

export function exportGeoJson(store: AnnotationStore, slideId: string): { geojson: string; count: number } {
  const collection = toFeatureCollection(store.all(slideId));
  return { geojson: JSON.stringify(collection), count: collection.features.length };
}

export interface ParsedImport {
  glands: NewGland[];
  /** Features left out on purpose, with the reason (see the module comment). */
  skipped: { index: number; reason: string }[];
}

const SKIPPED_OBJECT_TYPES = new Set(['cell', 'tile', 'tma_core', 'tmacore', 'tma core']);
const POLYGONAL = new Set(['Polygon', 'MultiPolygon']);
const OTHER_GEOMETRIES = new Set(['Point', 'MultiPoint', 'LineString', 'MultiLineString']);

function refuse(message: string): never {
  throw new ApiError('invalid-geojson', `Nothing was imported: ${message}`);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks a whole GeoJSON text and returns the glands it holds, or throws
 * ApiError('invalid-geojson') naming the first problem. Writes nothing.
 */
export function parseGeoJson(text: string): ParsedImport {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    refuse(`the file is not valid JSON (${(error as Error).message})`);
  }
  let features: unknown[];
  if (Array.isArray(root)) features = root;
  else if (isObject(root) && root.type === 'FeatureCollection') {
    if (!Array.isArray(root.features)) refuse('the FeatureCollection has no "features" list');
    features = root.features;
  } else if (isObject(root) && root.type === 'Feature') features = [root];
  else if (isObject(root) && typeof root.type === 'string') {
    refuse(`expected a FeatureCollection, a Feature or a list of features, but the file holds a "${root.type}"`);
  } else refuse('expected a GeoJSON FeatureCollection, a Feature or a list of features');

  if (features.length > MAX_IMPORT_FEATURES) refuse(`the file holds ${features.length} features; at most ${MAX_IMPORT_FEATURES} can be imported at once`);
  const parsed: ParsedImport = { glands: [], skipped: [] };
  features.forEach((feature, index) => {
    const where = `feature ${index + 1}`;
    if (!isObject(feature) || feature.type !== 'Feature') refuse(`${where} is not a GeoJSON Feature`);
    const properties = feature.properties ?? {};
    if (!isObject(properties)) refuse(`${where} has "properties" that are not an object`);
    const objectType = typeof properties.objectType === 'string' ? properties.objectType.toLowerCase() : 'annotation';
    const geometry = feature.geometry;
    if (geometry === null || geometry === undefined) {
      parsed.skipped.push({ index, reason: 'no geometry' });
      return;
    }
    const polygons = polygonsOf(geometry, where);
    if (SKIPPED_OBJECT_TYPES.has(objectType)) {
      parsed.skipped.push({ index, reason: `a QuPath ${objectType}, not a gland` });
      return;
    }
    if (polygons.length === 0) {
      parsed.skipped.push({ index, reason: 'not an area (point or line)' });
      return;
    }
    let clean: MultiPolygon;
    try {
      clean = validated(polygons, true);
    } catch (error) {
      if (error instanceof GeometryError) refuse(`${where}: ${error.message}`);
      throw error;
    }
    parsed.glands.push({ polygons: clean, className: classNameOf(properties, where) });
  });
  return parsed;
}

/** The polygons of a geometry, checked for shape; [] for point and line geometries. */
function polygonsOf(geometry: unknown, where: string): MultiPolygon {
  if (!isObject(geometry) || typeof geometry.type !== 'string') refuse(`${where} has a geometry without a "type"`);
  const type = geometry.type;
  if (type === 'GeometryCollection') {
    if (!Array.isArray(geometry.geometries)) refuse(`${where}: the GeometryCollection has no "geometries" list`);
    return geometry.geometries.flatMap((member) => polygonsOf(member, where));
  }
  if (OTHER_GEOMETRIES.has(type)) return [];
  if (!POLYGONAL.has(type)) refuse(`${where} has an unknown geometry type "${type}"`);
  const coordinates = geometry.coordinates;
  if (!Array.isArray(coordinates)) refuse(`${where}: the ${type} has no coordinates list`);
  const polygons = (type === 'Polygon' ? [coordinates] : coordinates) as unknown[];
  if (polygons.length === 0) refuse(`${where}: the ${type} is empty`);
  polygons.forEach((polygon, part) => {
    // polygonProblem checks every level (lists, numbers, finiteness, range, closure, crossings).
    const problem = polygonProblem(polygon, true);
    if (problem) refuse(`${where}${polygons.length > 1 ? `, polygon ${part + 1}` : ''}: ${problem}`);
  });
  return polygons as MultiPolygon;
}

function classNameOf(properties: Record<string, unknown>, where: string): string {
  const classification = properties.classification;
  if (classification === undefined || classification === null) return 'Gland';
  if (!isObject(classification)) refuse(`${where} has a "classification" that is not an object`);
  const name = classification.name;
  if (name === undefined || name === null || name === '') return 'Gland';
  if (typeof name !== 'string') refuse(`${where} has a classification name that is not text`);
  return name.slice(0, 200);
}

/** Parses and imports a GeoJSON text as one undoable step; nothing is written on any error. */
export function importGeoJson(store: AnnotationStore, slideId: string, text: string): { imported: number; skipped: ParsedImport['skipped'] } {
  const parsed = parseGeoJson(text);
  if (parsed.glands.length === 0) return { imported: 0, skipped: parsed.skipped };
  const result = store.addHumanGlands(slideId, parsed.glands, `Import ${parsed.glands.length} gland${parsed.glands.length === 1 ? '' : 's'}`);
  return { imported: result.changed.length, skipped: parsed.skipped };
}
