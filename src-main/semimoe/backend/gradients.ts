/**
 * Registers tfjs-core's gradient functions, which training needs and tfjs-core's Node entry
 * point (a CommonJS bundle) leaves out.
 *
 * They live only in tfjs-core's unbundled ES module files, written for bundlers: their
 * relative imports have no extension ('./engine') and one names a directory that sits next to
 * a file of the same name ('./gradients' and './gradients.js'). Node and tsx refuse both, and
 * a static `import '@tensorflow/tfjs-core/dist/register_all_gradients'` works only under Vite
 * (vitest). So before importing it we add a resolve hook that retries such a specifier with
 * '.js', for importers inside tfjs-core/dist only. The ES module copy of tfjs-core that this
 * loads shares the engine and the kernel/gradient registries with the CommonJS one (tfjs keeps
 * them on globalThis for exactly this case).
 */
import { createRequire, register } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { getGradient } from '@tensorflow/tfjs-core';

const RESOLVE_HOOK = `
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    const parent = context.parentURL ?? '';
    if (specifier.startsWith('.') && !specifier.endsWith('.js') && parent.includes('/@tensorflow/tfjs-core/dist/')) {
      return next(specifier + '.js', context);
    }
    throw error;
  }
}`;

let hookRegistered = false;

/**
 * Node's own import(), out of reach of Vite: an import() written in this file would, under
 * vitest, go through Vite, which transforms tfjs-core's ~300 files one by one (6.6 s here,
 * against 1.6 s for Node with the hook). Vitest runs modules in a vm context where a
 * Function-made import() is refused; there the import below is the fallback.
 */
const nativeImport = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;

async function importModule(url: string): Promise<void> {
  try {
    await nativeImport(url);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING') throw error;
    await import(/* @vite-ignore */ url);
  }
}

/** True once gradients are registered (by us, or by a bundler-loaded import elsewhere). */
export function gradientsRegistered(): boolean {
  return getGradient('Conv2D') !== undefined && getGradient('FusedBatchNorm') !== undefined;
}

export async function registerTrainingGradients(): Promise<void> {
  if (gradientsRegistered()) return;
  if (!hookRegistered) {
    register(`data:text/javascript,${encodeURIComponent(RESOLVE_HOOK)}`);
    hookRegistered = true;
  }
  // An absolute URL: a Function-made import() has no module of its own to resolve from.
  const core = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-core/package.json'));
  await importModule(pathToFileURL(path.join(core, 'dist', 'register_all_gradients.js')).href);
  if (!gradientsRegistered()) throw new Error('tfjs-core gradient functions did not register');
}
