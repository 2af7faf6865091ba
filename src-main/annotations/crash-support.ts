/** Shared by the crash child and the crash test: a compact fingerprint of a gland's geometry. */
import { createHash } from 'node:crypto';
import type { PolygonRings } from '../api/contract';

/** JSON numbers round-trip exactly, so equal geometry gives an equal hash on both sides. */
export function geometryHash(polygons: PolygonRings[]): string {
  return createHash('sha1').update(JSON.stringify(polygons)).digest('hex').slice(0, 16);
}
