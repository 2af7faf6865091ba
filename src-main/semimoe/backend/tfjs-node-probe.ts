/**
 * Whether a tfjs-node package can load, decided without loading it.
 *
 * Both tfjs-node packages are optional dependencies whose install downloads libtensorflow;
 * where that fails, npm keeps the package without its native binding. Importing such a
 * package still registers ~150 'tensorflow' kernels and loads all of @tensorflow/tfjs before
 * it throws, which costs seconds and floods the log, so look for the binding first.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Null if `packageName` has a native binding to load; else why it cannot be used. */
export function tfjsNodeProblem(packageName: string): string | null {
  let packageJson: string;
  try {
    packageJson = createRequire(import.meta.url).resolve(`${packageName}/package.json`);
  } catch {
    return `${packageName} is not installed`;
  }
  // node-pre-gyp puts the binding in lib/napi-v<N>/tfjs_binding.node.
  const lib = path.join(path.dirname(packageJson), 'lib');
  const hasBinding =
    existsSync(lib) &&
    readdirSync(lib).some((dir) => dir.startsWith('napi-v') && existsSync(path.join(lib, dir, 'tfjs_binding.node')));
  return hasBinding ? null : `${packageName} is installed without its native binding (its libtensorflow download failed)`;
}
