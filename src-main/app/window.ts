import { BrowserWindow, dialog, shell, type Session, type WebContents } from 'electron';
import { join } from 'node:path';
import { isTrustedSenderUrl } from './ipc-handler';
import { APP_ORIGIN } from './protocols';

/** Links the user may follow out of the app: https only, opened in the system browser. */
function isExternalLink(url: string): boolean {
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Applies the navigation rules to any web contents the app creates (main.ts calls this for
 * every one, through app 'web-contents-created'): no navigation away from the app, no new
 * windows, no <webview>.
 */
export function lockDownContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!isTrustedSenderUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isTrustedSenderUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    // openExternal only for https links, parsed (never file:, smb:, or custom schemes that
    // launch other programs); the window itself is always denied.
    if (isExternalLink(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
}

/**
 * The app needs no camera, microphone, notifications, geolocation, USB, HID or serial device:
 * every permission request and check is refused, for the whole session.
 */
export function lockDownSession(target: Session): void {
  target.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  target.setPermissionCheckHandler(() => false);
  target.setDevicePermissionHandler(() => false);
}

/**
 * The main window, locked down: context isolation, sandbox, no Node in the renderer, no
 * navigation away from the app, no new windows (links to the web open in the system browser).
 * Permission requests are denied for the whole session in main.ts.
 */
export function createMainWindow(preloadDir: string): BrowserWindow {
  const window = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Semi-MoE Studio',
    backgroundColor: '#1e1f24',
    // Each setting is Electron's default today except spellcheck; they are written out (inline,
    // where electronegativity looks) so that a future default change or a copied snippet cannot
    // loosen them silently.
    webPreferences: {
      preload: join(preloadDir, 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      // A file dropped outside the drop zone must not navigate the window to file://.
      navigateOnDragDrop: false,
      // Middle-click on a link would otherwise ask for a new window (the open handler denies it too).
      disableBlinkFeatures: 'Auxclick',
      safeDialogs: true,
      spellcheck: false,
    },
  });
  lockDownContents(window.webContents);
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
