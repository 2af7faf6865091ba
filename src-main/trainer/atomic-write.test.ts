import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recoverDirWrite, writeDirAtomic, writeFileAtomic } from './atomic-write';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'atomic-write-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A pid that is certainly not running (beyond Linux's pid_max). */
const DEAD_PID = 4_194_999;

describe('writeFileAtomic', () => {
  it('writes and replaces a file, leaving no temporary behind', async () => {
    const file = path.join(root, 'card.json');
    await writeFileAtomic(file, 'one');
    await writeFileAtomic(file, new TextEncoder().encode('two'));
    expect(await readFile(file, 'utf8')).toBe('two');
    expect(await readdir(root)).toEqual(['card.json']);
  });
});

describe('writeDirAtomic', () => {
  it('creates the directory with everything fill wrote', async () => {
    const model = path.join(root, 'models', 'v1');
    await writeDirAtomic(model, async (tmp) => {
      expect(path.dirname(tmp)).toBe(path.dirname(model)); // a sibling: same file system
      await writeFile(path.join(tmp, 'weights.bin'), 'w');
      await mkdir(path.join(tmp, 'sub'));
      await writeFile(path.join(tmp, 'sub', 'card.json'), '{}');
    });
    expect((await readdir(model)).sort()).toEqual(['sub', 'weights.bin']);
    expect(await readdir(path.dirname(model))).toEqual(['v1']);
  });

  it('replaces an existing directory whole', async () => {
    const model = path.join(root, 'model');
    await writeDirAtomic(model, (tmp) => writeFile(path.join(tmp, 'old-only.bin'), 'a'));
    await writeDirAtomic(model, (tmp) => writeFile(path.join(tmp, 'new.bin'), 'b'));
    expect(await readdir(model)).toEqual(['new.bin']);
    expect(await readdir(root)).toEqual(['model']);
  });

  it('changes nothing when fill throws', async () => {
    const model = path.join(root, 'model');
    await writeDirAtomic(model, (tmp) => writeFile(path.join(tmp, 'v1.bin'), 'a'));
    const failing = writeDirAtomic(model, async (tmp) => {
      await writeFile(path.join(tmp, 'half.bin'), 'b');
      throw new Error('disk full');
    });
    await expect(failing).rejects.toThrow('disk full');
    expect(await readdir(model)).toEqual(['v1.bin']);
    expect(await readdir(root)).toEqual(['model']);

    await expect(writeDirAtomic(path.join(root, 'fresh'), () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(await readdir(root)).toEqual(['model']);
  });

  it('recovers from a writer killed between its two renames, and from killed writers\' temporaries', async () => {
    const model = path.join(root, 'model');
    // What a writer killed right after "final -> .old" leaves: no final directory, the old
    // version aside, and its finished temporary.
    await mkdir(path.join(root, `.model.old-${DEAD_PID}-aaaa`));
    await writeFile(path.join(root, `.model.old-${DEAD_PID}-aaaa`, 'v1.bin'), 'a');
    await mkdir(path.join(root, `.model.tmp-${DEAD_PID}-bbbb`));
    await writeFile(path.join(root, `.model.tmp-${DEAD_PID}-bbbb`, 'v2.bin'), 'b');
    await recoverDirWrite(model);
    expect(await readdir(root)).toEqual(['model']);
    expect(await readdir(model)).toEqual(['v1.bin']);
  });

  it('leaves the temporaries of live writers alone', async () => {
    const live = path.join(root, `.model.tmp-${process.pid}-cccc`);
    await mkdir(live);
    await recoverDirWrite(path.join(root, 'model'));
    expect(await readdir(root)).toEqual([path.basename(live)]);
  });
});
