import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import type { DirectoryEntry, DirectoryListing } from '../api/contract';
import { ApiError } from '../api/errors';

/** Extensions the open dialog offers as slides; anything else is listed as a plain file. */
export const SLIDE_EXTENSIONS: ReadonlySet<string> = new Set([
  '.svs', '.tif', '.tiff', '.ndpi', '.mrxs', '.scn', '.bif', '.vms', '.vmu', '.svslide',
  '.png', '.jpg', '.jpeg', '.bmp',
]);

/**
 * Lists one directory for the web-mode open dialog: names and kinds only, never contents.
 * Hidden entries are left out, directories first, then slides, then other files.
 */
export async function listDirectory(path: string | null): Promise<DirectoryListing> {
  const dir = resolve(path ?? homedir());
  let names: string[];
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) throw new ApiError('not-a-file', `${dir} is not a folder`);
    names = await readdir(dir);
  } catch (error) {
    if (error instanceof ApiError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ApiError('not-found', `The folder ${dir} does not exist`);
    if (code === 'EACCES' || code === 'EPERM') throw new ApiError('access-denied', `No permission to read ${dir}`);
    throw error;
  }
  const entries: DirectoryEntry[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const full = join(dir, name);
    const info = await stat(full).catch(() => null);
    if (!info) continue;
    const kind = info.isDirectory() ? 'dir' : SLIDE_EXTENSIONS.has(extname(name).toLowerCase()) ? 'slide' : 'file';
    entries.push({ name, path: full, kind });
  }
  const order = { dir: 0, slide: 1, file: 2 } as const;
  entries.sort((a, b) => order[a.kind] - order[b.kind] || a.name.localeCompare(b.name));
  const parent = dirname(dir);
  return { path: dir, parent: parent === dir ? null : parent, entries };
}
