/**
 * Electron entry. Thin on purpose: the engine (slides, project store, trainer) is plain Node
 * code shared with `semimoe serve`; this file wires it to a window, IPC and the app protocols.
 */
import { app, BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forwardEvents, registerIpc } from './ipc';
import { defaultProjectDir, rendererDir } from '../engine/paths';
import { ensureSampleSlide } from '../engine/sample-slide';
import { StudioEngine } from '../engine/studio-engine';
import { APP_ORIGIN, handleAppProtocol, handleSlideProtocol, registerSchemes } from './protocols';
import { chooseSlideFile, createMainWindow } from './window';

const here = dirname(fileURLToPath(import.meta.url));

function projectDirFromArgs(argv: string[]): string {
  const flag = argv.indexOf('--project');
  return resolve(flag >= 0 && argv[flag + 1] ? argv[flag + 1] : defaultProjectDir());
}

registerSchemes();

app.whenReady().then(async () => {
  let window: BrowserWindow | null = null;
  const engine = new StudioEngine({
    projectDir: projectDirFromArgs(process.argv),
    mode: 'electron',
    defaultSlidePath: await ensureSampleSlide(),
    chooseSlideFile: async () => (window ? chooseSlideFile(window) : null),
  });
  handleAppProtocol(rendererDir());
  handleSlideProtocol(engine);
  // Only our own window's top frame, showing our own app, may call the engine.
  const isTrustedSender = (event: IpcMainInvokeEvent) =>
    event.senderFrame?.parent === null && (event.senderFrame?.url ?? '').startsWith(`${APP_ORIGIN}/`);
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
