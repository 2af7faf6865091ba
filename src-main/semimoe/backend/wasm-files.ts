/**
 * Where the WebAssembly backend's .wasm binaries are on disk.
 *
 * Under Node the backend reads them with fs from `prefix + file name`; left alone, the prefix
 * is the directory of its own bundle, which is wrong once our code is bundled elsewhere. So
 * we resolve the package through Node's resolver (works from sources, from a bundle, and from
 * an Electron app) and pass its dist/ directory, with a trailing separator.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export const WASM_BINARIES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'] as const;

export function wasmBinaryDirectory(): string {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  const dist = path.join(path.dirname(packageJson), 'dist');
  const missing = WASM_BINARIES.slice(0, 2).filter((name) => !existsSync(path.join(dist, name)));
  if (missing.length > 0) throw new Error(`tfjs-backend-wasm is missing ${missing.join(', ')} in ${dist}`);
  return dist + path.sep;
}
