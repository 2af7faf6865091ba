/**
 * Writes that a killed process can never leave half done.
 *
 * Everything is written to a temporary sibling (same directory, so the same file system,
 * so `rename` is atomic), flushed to disk with fsync, then renamed into place. A reader sees
 * the old version or the new one, never a mix; a writer killed at any point leaves at worst a
 * hidden temporary sibling, which the next write cleans up.
 *
 * A directory cannot be renamed over a non-empty one, so replacing an existing model
 * directory takes two renames: final -> hidden ".old" sibling, temporary -> final. A kill
 * between the two leaves the final directory absent (never partial) and the previous version
 * in the ".old" sibling; `recoverDirWrite` (run before every directory write) puts it back.
 * One writer per final path at a time (the trainer process is the only writer).
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

const TMP_TAG = '.tmp-';
const OLD_TAG = '.old-';

/** Hidden sibling name of `target` tagged with this process and a random suffix. */
function siblingPath(target: string, tag: string): string {
  const { dir, base } = path.parse(path.resolve(target));
  return path.join(dir, `.${base}${tag}${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** The writer pid a sibling name records, or null if it is not one of ours for `base`. */
function siblingPid(name: string, base: string, tag: string): number | null {
  const prefix = `.${base}${tag}`;
  if (!name.startsWith(prefix)) return null;
  const pid = Number.parseInt(name.slice(prefix.length), 10);
  return Number.isInteger(pid) ? pid : null;
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function fsyncPath(p: string, isDirectory: boolean): Promise<void> {
  let handle;
  try {
    handle = await open(p, isDirectory ? fsConstants.O_RDONLY : 'r+');
    await handle.sync();
  } catch (error) {
    // Windows cannot open or fsync a directory; the rename is still atomic there.
    if (!isDirectory) throw error;
  } finally {
    await handle?.close();
  }
}

/** fsync every file under `dir`, then the directories themselves (their entries). */
async function fsyncTree(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const child = path.join(dir, entry.name);
    if (entry.isDirectory()) await fsyncTree(child);
    else if (entry.isFile()) await fsyncPath(child, false);
  }
  await fsyncPath(dir, true);
}

export async function writeFileAtomic(filePath: string, data: string | Uint8Array): Promise<void> {
  const target = path.resolve(filePath);
  const tmp = siblingPath(target, TMP_TAG);
  try {
    const handle = await open(tmp, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, target);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  await fsyncPath(path.dirname(target), true);
}

/**
 * Cleans up after writers of `finalDir` that were killed: removes their temporary siblings
 * and, if the final directory is missing, restores the newest ".old" version.
 */
export async function recoverDirWrite(finalDir: string): Promise<void> {
  const target = path.resolve(finalDir);
  const { dir, base } = path.parse(target);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return; // parent does not exist yet: nothing to recover
  }
  const dead = (tag: string) =>
    names.filter((name) => {
      const pid = siblingPid(name, base, tag);
      return pid !== null && !isAlive(pid);
    });
  for (const name of dead(TMP_TAG)) await rm(path.join(dir, name), { recursive: true, force: true });

  const olds = dead(OLD_TAG);
  if (olds.length === 0) return;
  if (!(await exists(target))) {
    const newest = (await Promise.all(olds.map(async (name) => ({ name, mtime: (await stat(path.join(dir, name))).mtimeMs }))))
      .sort((a, b) => b.mtime - a.mtime)[0].name;
    await rename(path.join(dir, newest), target);
    olds.splice(olds.indexOf(newest), 1);
  }
  for (const name of olds) await rm(path.join(dir, name), { recursive: true, force: true });
}

/**
 * Creates `finalDir` (or replaces it) with what `fill` writes into the temporary directory it
 * is given. If `fill` throws, nothing changes and the temporary directory is removed.
 */
export async function writeDirAtomic(finalDir: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  const target = path.resolve(finalDir);
  await recoverDirWrite(target);
  const tmp = siblingPath(target, TMP_TAG);
  await mkdir(path.dirname(target), { recursive: true });
  await mkdir(tmp);
  try {
    await fill(tmp);
    await fsyncTree(tmp);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }

  if (await exists(target)) {
    const old = siblingPath(target, OLD_TAG);
    await rename(target, old);
    try {
      await rename(tmp, target);
    } catch (error) {
      await rename(old, target); // put the previous version back
      await rm(tmp, { recursive: true, force: true });
      throw error;
    }
    await fsyncPath(path.dirname(target), true);
    await rm(old, { recursive: true, force: true });
  } else {
    await rename(tmp, target);
    await fsyncPath(path.dirname(target), true);
  }
}
