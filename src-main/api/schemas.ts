/**
 * Runtime validation of every request that crosses into the main process, whichever transport
 * carried it. The mapped type below makes the compiler check each schema against the contract,
 * so a channel cannot be added to contract.ts without a schema here.
 */
import { z } from 'zod';
import type { ApiChannel, ApiRequest } from './contract';

/** Paths are absolute or relative file-system paths; NUL bytes are never valid in them. */
const filePath = z
  .string()
  .min(1, 'path is empty')
  .max(4096, 'path is longer than 4096 characters')
  .refine((p) => !p.includes('\0'), 'path contains a NUL byte');

/** Slide ids are the hex prefix of a content fingerprint. */
const slideId = z.string().regex(/^[0-9a-f]{8,64}$/, 'not a slide id');

const empty = z.object({}).strict();

/** Level-0 pixel coordinates: finite, and inside what any scanner produces (10^7 px a side). */
const coordinate = z.number().finite().min(-1e7).max(1e7);
const region = z
  .object({
    x: coordinate,
    y: coordinate,
    width: z.number().finite().positive().max(1e7),
    height: z.number().finite().positive().max(1e7),
  })
  .strict();
const point = z.tuple([coordinate, coordinate]);
/** A closed ring of at least 4 points (3 distinct + the closing one); 100k points at most. */
const ring = z.array(point).min(4, 'a ring needs at least 3 distinct points, closed').max(100_000);
const polygonRings = z.array(ring).min(1, 'a polygon needs its outer ring').max(1000);
const polygons = z.array(polygonRings).min(1).max(1000);
/** Gland, field and model ids are uuids or short slugs we generated. */
const entityId = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'not an id');
const entityIds = z.array(entityId).max(100_000);

const glandEdit = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('set-status'), ids: entityIds.min(1), status: z.enum(['accepted', 'rejected']) }).strict(),
  z.object({ kind: z.literal('reshape'), id: entityId, polygons }).strict(),
  z.object({ kind: z.literal('create'), polygons }).strict(),
  z.object({ kind: z.literal('delete'), ids: entityIds.min(1) }).strict(),
  z.object({ kind: z.literal('brush-add'), id: entityId.nullable(), stroke: polygonRings }).strict(),
  z.object({ kind: z.literal('brush-erase'), ids: entityIds, stroke: polygonRings }).strict(),
  z.object({ kind: z.literal('split'), id: entityId, line: z.array(point).min(2).max(100_000) }).strict(),
  z.object({ kind: z.literal('merge'), ids: entityIds.min(2) }).strict(),
  z.object({ kind: z.literal('fill-holes'), id: entityId }).strict(),
]);

type RequestSchemas = { [C in ApiChannel]: z.ZodType<ApiRequest<C>> };

export const REQUEST_SCHEMAS = {
  'app:info': empty,
  'slides:open': z.object({ path: filePath }).strict(),
  'slides:get': z.object({ id: slideId }).strict(),
  'slides:recent': empty,
  'slides:close': z.object({ id: slideId }).strict(),
  'files:list': z.object({ path: filePath.nullable() }).strict(),
  'dialog:openSlide': empty,
  'glands:query': z.object({ slideId, region }).strict(),
  'glands:edit': z.object({ slideId, edit: glandEdit }).strict(),
  'glands:undo': z.object({ slideId }).strict(),
  'glands:redo': z.object({ slideId }).strict(),
  'glands:exportGeoJson': z.object({ slideId }).strict(),
  // 200 MB of GeoJSON is about a million glands: more is not a slide, it is a mistake.
  'glands:importGeoJson': z.object({ slideId, geojson: z.string().min(1).max(200_000_000) }).strict(),
  'predict:region': z.object({ slideId, region }).strict(),
  'predict:tissue': z.object({ slideId }).strict(),
  'predict:cancel': empty,
  'queue:build': z
    .object({ slideId, fieldSizeUm: z.number().finite().min(50).max(5000), maxFields: z.number().int().min(1).max(500) })
    .strict(),
  'queue:list': z.object({ slideId }).strict(),
  'fields:markDone': z.object({ fieldId: entityId, acceptProposed: z.boolean() }).strict(),
  'models:list': empty,
  'models:activate': z.object({ id: entityId }).strict(),
  // A minute to a night: shorter cannot take a step, longer is better done with the CLI.
  'train:start': z.object({ budgetSeconds: z.number().int().min(10).max(12 * 3600) }).strict(),
  'train:cancel': empty,
  'train:status': empty,
} satisfies RequestSchemas;

export function isApiChannel(name: string): name is ApiChannel {
  return Object.prototype.hasOwnProperty.call(REQUEST_SCHEMAS, name);
}

export const TILE_ADDRESS = z.object({
  slideId,
  level: z.coerce.number().int().min(0).max(40),
  col: z.coerce.number().int().min(0).max(1_000_000),
  row: z.coerce.number().int().min(0).max(1_000_000),
  format: z.enum(['jpeg', 'png']),
});
export type TileAddress = z.infer<typeof TILE_ADDRESS>;

/** /heatmaps/{predictionId}/{kind}.png */
export const HEATMAP_ADDRESS = z.tuple([z.string().regex(/^pred-[0-9a-f]{8,64}$/), z.enum(['probability', 'uncertainty'])]);
