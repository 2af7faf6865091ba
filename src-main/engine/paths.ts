import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root, found by walking up from this file. Works from the TypeScript sources (run
 * by tsx: src-main/engine/) and from the bundle (out/main/), which sit at different depths.
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
      if (pkg.name === 'semimoe-studio') return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('Semi-MoE Studio: cannot find the package root (package.json)');
    dir = parent;
  }
}

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** Where the built renderer lives (electron-vite build output). */
export function rendererDir(): string {
  return join(packageRoot(), 'out', 'renderer');
}

/** The generated sample slide's folder; generated on first use, never committed. */
export function sampleDir(): string {
  return join(packageRoot(), 'resources', 'sample');
}

/** The project used when none is named: one per user, in the XDG data folder. */
export function defaultProjectDir(): string {
  const base = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return resolve(base, 'semimoe-studio', 'default-project');
}
