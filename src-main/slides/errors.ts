import type { ApiErrorCode } from '../api/contract';

/** The slide-layer subset of the API's error codes; the engine forwards these unchanged. */
export type SlideErrorCode = Extract<
  ApiErrorCode,
  'not-found' | 'not-a-file' | 'empty-file' | 'unsupported-format' | 'corrupt-slide' | 'too-large' | 'missing-library' | 'tile-failed'
>;

/**
 * An error a pathologist reads: the message says what is wrong with the file and, where there
 * is one, what to do about it. `code` lets the renderer and the CLI branch without parsing text.
 */
export class SlideError extends Error {
  constructor(
    readonly code: SlideErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SlideError';
  }
}

export function isSlideError(error: unknown, code?: SlideErrorCode): error is SlideError {
  return error instanceof SlideError && (code === undefined || error.code === code);
}

/** The message of anything thrown, for wrapping a library's error into a SlideError. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
