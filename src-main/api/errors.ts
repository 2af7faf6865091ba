import type { ApiErrorBody, ApiErrorCode } from './contract';

/** An error the engine means to show the user, with a code the renderer can branch on. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

// A record keyed by the union, so adding a code to the contract without listing it here fails
// to compile (an unlisted code would silently become 'internal').
const CODE_TABLE: Record<ApiErrorCode, true> = {
  'invalid-request': true,
  'not-found': true,
  'not-a-file': true,
  'empty-file': true,
  'unsupported-format': true,
  'corrupt-slide': true,
  'too-large': true,
  'missing-library': true,
  'access-denied': true,
  'tile-failed': true,
  conflict: true,
  cancelled: true,
  'no-model': true,
  'invalid-geometry': true,
  'invalid-geojson': true,
  'disk-full': true,
  internal: true,
};
const KNOWN_CODES: ReadonlySet<string> = new Set(Object.keys(CODE_TABLE));

/**
 * Turns anything thrown inside the engine into the body both transports send. Errors that carry
 * a known code (ApiError, SlideError) keep their message; anything else is an internal error,
 * logged in full here and summarised for the user.
 */
export function toErrorBody(error: unknown): ApiErrorBody {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string' && KNOWN_CODES.has(error.code)) {
    return { code: error.code as ApiErrorCode, message: error.message };
  }
  if (isDiskFull(error)) {
    // Not a bug to report but a state the user can fix; every save is a transaction or an
    // atomic rename, so the failed action left the previous state as it was.
    return { code: 'disk-full', message: 'The disk holding the project is full, so this change was not saved (the previous state is intact). Free some space and try again.' };
  }
  console.error('[engine] unexpected error:', error);
  const detail = error instanceof Error ? error.message : String(error);
  return { code: 'internal', message: `Unexpected error in Semi-MoE Studio: ${detail}` };
}

/** HTTP status for an error code, so web clients and tools see a sensible status line. */
export function httpStatusFor(code: ApiErrorCode): number {
  switch (code) {
    case 'invalid-request':
      return 400;
    case 'access-denied':
      return 403;
    case 'not-found':
      return 404;
    case 'conflict':
      return 409;
    case 'internal':
      return 500;
    case 'missing-library':
      return 501;
    case 'disk-full':
      return 507; // Insufficient Storage
    default:
      return 422;
  }
}

/** ENOSPC/EDQUOT from Node's fs, SQLITE_FULL from better-sqlite3, anywhere in the cause chain. */
export function isDiskFull(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = (e as Error & { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') return true;
  }
  return false;
}
