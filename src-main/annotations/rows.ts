/**
 * The `annotations` table's rows, their snapshots in the edit history, and the conversion to the
 * contract's Gland. Kept apart from the store so that the history format is defined in one place.
 */
import type { Gland, GlandStatus, PolygonRings } from '../api/contract';
import { bbox, type MultiPolygon } from './geometry';

/** One annotations row as SQLite returns it (rowid excluded: it is local to the file). */
export interface AnnotationRow {
  id: string;
  slide_id: string;
  geometry: string;
  class_name: string;
  source: 'model' | 'human';
  status: GlandStatus;
  model_version: string | null;
  confidence: number | null;
  uncertainty: number | null;
  deleted: 0 | 1;
  created_at: string;
  updated_at: string;
}

/** The columns of a row, in a fixed order: snapshots compare equal only when rows do. */
export const ROW_COLUMNS = [
  'id',
  'slide_id',
  'geometry',
  'class_name',
  'source',
  'status',
  'model_version',
  'confidence',
  'uncertainty',
  'deleted',
  'created_at',
  'updated_at',
] as const;

export function snapshot(row: AnnotationRow): AnnotationRow {
  const out = {} as Record<string, unknown>;
  for (const column of ROW_COLUMNS) out[column] = row[column];
  return out as unknown as AnnotationRow;
}

export function sameRow(a: AnnotationRow | null, b: AnnotationRow | null): boolean {
  if (a === null || b === null) return a === b;
  return ROW_COLUMNS.every((column) => a[column] === b[column]);
}

/**
 * One row an edit touched: its state before and after. `before` null: the edit created it
 * (undo soft-deletes it again). Stored as JSON in edits.changes.
 */
export interface RowChange {
  id: string;
  before: AnnotationRow | null;
  after: AnnotationRow;
}

/** GeoJSON coordinates as stored: a Polygon for one part, a MultiPolygon for several. */
export function encodeGeometry(polygons: MultiPolygon): string {
  return JSON.stringify(polygons.length === 1 ? { type: 'Polygon', coordinates: polygons[0] } : { type: 'MultiPolygon', coordinates: polygons });
}

/** Reads what encodeGeometry writes; bare coordinate arrays are told apart by their depth. */
export function decodeGeometry(text: string): MultiPolygon {
  const parsed = JSON.parse(text) as
    | { type: 'Polygon'; coordinates: PolygonRings }
    | { type: 'MultiPolygon'; coordinates: PolygonRings[] }
    | PolygonRings
    | PolygonRings[];
  if (Array.isArray(parsed)) return Array.isArray(parsed[0]?.[0]?.[0]) ? (parsed as PolygonRings[]) : [parsed as PolygonRings];
  return parsed.type === 'Polygon' ? [parsed.coordinates] : parsed.coordinates;
}

export function toGland(row: AnnotationRow, polygons: MultiPolygon = decodeGeometry(row.geometry)): Gland {
  return {
    id: row.id,
    slideId: row.slide_id,
    polygons,
    className: row.class_name,
    source: row.source,
    status: row.status,
    modelVersion: row.model_version,
    confidence: row.confidence,
    uncertainty: row.uncertainty,
    bbox: bbox(polygons),
    updatedAt: row.updated_at,
  };
}
