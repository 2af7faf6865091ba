/**
 * Electron entry. Thin on purpose: the engine (slides, project store, trainer) is plain Node
 * code shared with `semimoe serve`; this file wires it to a window, IPC and the app protocols.
 */
import { app, BrowserWindow, session } from 'electron';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forwardEvents, registerIpc } from './ipc';
import { isTrustedSender } from './ipc-handler';
import { defaultProjectDir, rendererDir } from '../engine/paths';
import { ensureSampleSlide } from '../engine/sample-slide';
import { StudioEngine } from '../engine/studio-engine';
import { handleAppProtocol, handleSlideProtocol, registerSchemes } from './protocols';
import { chooseSlideFile, createMainWindow, lockDownContents, lockDownSession } from './window';

const here = dirname(fileURLToPath(import.meta.url));

function projectDirFromArgs(argv: string[]): string {
  const flag = argv.indexOf('--project');
  return resolve(flag >= 0 && argv[flag + 1] ? argv[flag + 1] : defaultProjectDir());
}

// Every renderer sandboxed, whatever a BrowserWindow's own settings say (must run before ready).
app.enableSandbox();
registerSchemes();

// Navigation rules for every web contents, not only the main window's (devtools, any future
// window): created contents get them before they can load anything.
app.on('web-contents-created', (_event, contents) => lockDownContents(contents));

app.whenReady().then(async () => {
  lockDownSession(session.defaultSession);

  let window: BrowserWindow | null = null;
  const engine = new StudioEngine({
    projectDir: projectDirFromArgs(process.argv),
    mode: 'electron',
    defaultSlidePath: await ensureSampleSlide(),
    chooseSlideFile: async () => (window ? chooseSlideFile(window) : null),
  });
  handleAppProtocol(rendererDir());
  handleSlideProtocol(engine);
  // Only our own window's top frame, showing our own app, may call the engine (ipc-handler.ts).
  registerIpc(engine, isTrustedSender);
  window = createMainWindow(join(here, '..', 'preload'));
  const stopForwarding = forwardEvents(engine, window.webContents);
  window.on('closed', () => {
    stopForwarding();
    window = null;
  });
  app.on('window-all-closed', () => {
    void engine.close().finally(() => app.quit());
  });
});
