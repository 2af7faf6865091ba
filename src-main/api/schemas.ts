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

type RequestSchemas = { [C in ApiChannel]: z.ZodType<ApiRequest<C>> };

export const REQUEST_SCHEMAS = {
  'app:info': empty,
  'slides:open': z.object({ path: filePath }).strict(),
  'slides:get': z.object({ id: slideId }).strict(),
  'slides:recent': empty,
  'slides:close': z.object({ id: slideId }).strict(),
  'files:list': z.object({ path: filePath.nullable() }).strict(),
  'dialog:openSlide': empty,
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
