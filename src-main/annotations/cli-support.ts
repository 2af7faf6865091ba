/**
 * What the `export` and `import` commands share: finding the slide in a project (by file path
 * or by id) and reporting errors the way the other commands do.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ApiError } from '../api/errors';
import { StudioEngine } from '../engine/studio-engine';
import { AnnotationStore } from './store';

export interface ProjectSlide {
  slideId: string;
  annotations: AnnotationStore;
  /** The slide's level-0 size as the project recorded it. */
  width: number;
  height: number;
  close(): Promise<void>;
}

/**
 * Opens the project and finds the slide: a path to an existing file is opened the way the app
 * opens it (so its id is the fingerprint-derived one the app uses, and it is added to the
 * project when new); anything else must be the id of a slide the project already knows.
 */
export async function openProjectSlide(projectDir: string, slide: string, options: { create: boolean }): Promise<ProjectSlide> {
  const dir = resolve(projectDir);
  // Importing into a new folder starts a project there; exporting from a missing one is a typo.
  if (!options.create && !existsSync(dir)) throw new ApiError('not-found', `No project folder at ${dir}`);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new ApiError('not-a-file', `${dir} is a file, not a project folder`);
  const engine = new StudioEngine({ projectDir: dir, mode: 'web' });
  try {
    let slideId: string;
    if (existsSync(slide) && statSync(slide).isFile()) {
      slideId = (await engine.handle('slides:open', { path: resolve(slide) })).id;
    } else {
      if (!engine.store.getSlide(slide)) {
        throw new ApiError('not-found', `The project has no slide "${slide}": give the slide file, or the id of a slide opened in this project`);
      }
      slideId = slide;
    }
    const stored = engine.store.getSlide(slideId)!;
    return {
      slideId,
      annotations: new AnnotationStore(engine.store.db),
      width: stored.width,
      height: stored.height,
      close: () => engine.close(),
    };
  } catch (error) {
    await engine.close();
    throw error;
  }
}

/** {"error":{"code","message"}} on stderr; exit code 1 (as `semimoe info` does). */
export function reportCliError(error: unknown): number {
  const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : 'internal';
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${JSON.stringify({ error: { code, message } })}\n`);
  return 1;
}
