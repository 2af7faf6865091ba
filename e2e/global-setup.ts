/**
 * Before the end-to-end tests: make sure the built renderer (out/renderer), which
 * `semimoe serve` serves, is at least as new as its sources. Builds with `electron-vite build`
 * (what `npm run build` runs); when that fails for a reason outside the renderer (the main
 * bundle), builds the renderer alone from the renderer section of the same config, so web-mode
 * tests still test the current renderer. SEMIMOE_E2E_SKIP_BUILD=1 skips this.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const builtIndex = join(root, 'out', 'renderer', 'index.html');

function newestMtime(path: string): number {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

function rendererIsStale(): boolean {
  if (!existsSync(builtIndex)) return true;
  const sources = [join(root, 'src-renderer'), join(root, 'src-main', 'api', 'contract.ts'), join(root, 'electron.vite.config.ts')];
  const newestSource = Math.max(...sources.filter(existsSync).map(newestMtime));
  return newestSource > statSync(builtIndex).mtimeMs;
}

async function buildRendererOnly(): Promise<void> {
  const electronVite = await import('electron-vite');
  const vite = await import('vite');
  const loaded = await electronVite.loadConfigFromFile({ command: 'build', mode: 'production' }, join(root, 'electron.vite.config.ts'));
  const renderer = loaded.config.renderer;
  if (!renderer || typeof renderer === 'function') throw new Error('electron.vite.config.ts has no renderer section to build');
  await vite.build({
    ...(renderer as object),
    configFile: false,
    build: { ...((renderer as { build?: object }).build ?? {}), emptyOutDir: true, minify: false },
  });
}

export default async function globalSetup(): Promise<void> {
  if (process.env.SEMIMOE_E2E_SKIP_BUILD === '1') return;
  if (!rendererIsStale()) return;
  console.log('[e2e] out/renderer is missing or older than its sources: building the app');
  const result = spawnSync('npx', ['electron-vite', 'build'], { cwd: root, encoding: 'utf8' });
  if (result.status === 0) return;
  const tail = `${result.stdout ?? ''}${result.stderr ?? ''}`.split('\n').slice(-15).join('\n');
  console.warn(`[e2e] electron-vite build failed; building the renderer alone for web mode.\n${tail}`);
  await buildRendererOnly();
  if (!existsSync(builtIndex)) throw new Error(`The renderer build wrote no ${builtIndex}`);
}
