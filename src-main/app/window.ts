import { BrowserWindow, dialog, shell, session } from 'electron';
import { join } from 'node:path';
import { APP_ORIGIN } from './protocols';

/**
 * The main window, locked down: context isolation, sandbox, no Node in the renderer, no
 * navigation away from the app, no new windows (links to the web open in the system browser),
 * and every permission request (camera, notifications, ...) denied.
 */
export function createMainWindow(preloadDir: string): BrowserWindow {
  const window = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Semi-MoE Studio',
    backgroundColor: '#1e1f24',
    webPreferences: {
      preload: join(preloadDir, 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  window.webContents.on('will-navigate', (event, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
  });
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  void window.loadURL(`${APP_ORIGIN}/index.html`);
  return window;
}

export async function chooseSlideFile(window: BrowserWindow): Promise<string | null> {
  const result = await dialog.showOpenDialog(window, {
    title: 'Open a slide',
    properties: ['openFile'],
    filters: [
      { name: 'Slides and images', extensions: ['svs', 'tif', 'tiff', 'ndpi', 'mrxs', 'scn', 'bif', 'vms', 'png', 'jpg', 'jpeg', 'bmp'] },
      { name: 'All files', extensions: ['*'] },
    ],
  });
  return result.canceled ? null : (result.filePaths[0] ?? null);
}
