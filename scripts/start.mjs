#!/usr/bin/env node
// `npm start`: the desktop app where Electron can run, web mode everywhere else.
// Electron 45 downloads its binary on first launch; on machines that cannot (no network, no
// display) this says why and serves the same app to a browser instead.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

function ensureBuilt() {
  if (existsSync(join(root, 'out', 'main', 'index.js')) && existsSync(join(root, 'out', 'renderer', 'index.html'))) return;
  console.error('Building the app (first start)...');
  const result = spawnSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** Returns the Electron binary path, or a reason why Electron cannot start here. */
function electronBinary() {
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { reason: 'no display (DISPLAY and WAYLAND_DISPLAY are unset)' };
  }
  try {
    const require = createRequire(import.meta.url);
    const path = require('electron');
    if (typeof path === 'string' && existsSync(path)) return { path };
    return { reason: 'the Electron binary is not installed and cannot be downloaded here' };
  } catch (error) {
    return { reason: `Electron is not available (${error.message})` };
  }
}

ensureBuilt();
const electron = electronBinary();
if (electron.path) {
  const child = spawn(electron.path, [root, ...args], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.error(`Electron cannot start: ${electron.reason}.`);
  console.error('Serving Semi-MoE Studio in web mode instead; open the address below in a browser.');
  const child = spawn(process.execPath, [join(root, 'bin', 'semimoe.mjs'), 'serve', '--port', process.env.PORT ?? '5180', ...args], {
    stdio: 'inherit',
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code) => process.exit(code ?? 0));
}
