/**
 * The Electron shell's security settings, exercised under plain Node: no Electron binary runs
 * in CI, so `electron` is replaced by a recording fake and the real app code (window.ts,
 * protocols.ts, ipc.ts) runs against it. What Electron itself enforces (sandbox, isolation) is
 * not re-tested here; what our code decides (settings, navigation, permissions, IPC senders,
 * which files and tiles the app:// and slide:// schemes serve) is.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SlideInfo } from '../api/contract';
import { CONTENT_SECURITY_POLICY } from '../api/csp';
import { StudioEngine } from '../engine/studio-engine';
import { writePyramidTiff } from './support';

type Listener = (...args: unknown[]) => unknown;
const fake = vi.hoisted(() => ({
  windows: [] as Array<{ options: Record<string, unknown>; url: string | null }>,
  contentsListeners: new Map<string, (...args: unknown[]) => unknown>(),
  openHandler: null as null | ((details: { url: string }) => { action: string }),
  openedExternally: [] as string[],
  protocolHandlers: new Map<string, (request: Request) => Promise<Response>>(),
  ipcHandlers: new Map<string, (event: unknown, request: unknown) => Promise<unknown>>(),
}));

vi.mock('electron', () => {
  const webContents = {
    on: (name: string, listener: Listener) => fake.contentsListeners.set(name, listener),
    setWindowOpenHandler: (handler: (details: { url: string }) => { action: string }) => (fake.openHandler = handler),
    isDestroyed: () => false,
    send: () => undefined,
  };
  class BrowserWindow {
    webContents = webContents;
    private readonly record: { options: Record<string, unknown>; url: string | null };
    constructor(options: Record<string, unknown>) {
      this.record = { options, url: null };
      fake.windows.push(this.record);
    }
    loadURL(url: string) {
      this.record.url = url;
      return Promise.resolve();
    }
  }
  return {
    BrowserWindow,
    dialog: {},
    shell: { openExternal: (url: string) => (fake.openedExternally.push(url), Promise.resolve()) },
    protocol: {
      registerSchemesAsPrivileged: () => undefined,
      handle: (scheme: string, handler: (request: Request) => Promise<Response>) => fake.protocolHandlers.set(scheme, handler),
    },
    // app:// serves files through net.fetch(file://...): read the file the way Electron would.
    net: { fetch: async (url: string) => new Response(readFileSync(fileURLToPath(url))) },
    ipcMain: {
      handle: (channel: string, handler: (event: unknown, request: unknown) => Promise<unknown>) => fake.ipcHandlers.set(channel, handler),
      removeHandler: (channel: string) => fake.ipcHandlers.delete(channel),
    },
  };
});

const { createMainWindow, lockDownSession } = await import('../app/window');
const { handleAppProtocol, handleSlideProtocol } = await import('../app/protocols');
const { registerIpc } = await import('../app/ipc');

const SECRET = 'PATIENT-SECRET-electron';
const work = mkdtempSync(join(tmpdir(), 'semimoe-electron-'));
const rendererDir = join(work, 'renderer');
let engine: StudioEngine;
let slide: SlideInfo;

beforeAll(async () => {
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>studio-index</title>');
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(work, 'secret.txt'), SECRET);
  symlinkSync(join(work, 'secret.txt'), join(rendererDir, 'leak.txt'));
  engine = new StudioEngine({ projectDir: join(work, 'project'), mode: 'electron' });
  handleAppProtocol(rendererDir);
  handleSlideProtocol(engine);
  registerIpc(engine);
  const slidePath = join(work, 'slide.tif');
  await writePyramidTiff(slidePath, 512, 512);
  slide = await engine.handle('slides:open', { path: slidePath });
});

afterAll(async () => {
  await engine.close();
  rmSync(work, { recursive: true, force: true });
});

describe('main window', () => {
  it('is created isolated, sandboxed, without Node, and loads only our app', () => {
    createMainWindow('/preload');
    const { options, url } = fake.windows[0];
    expect(options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      preload: join('/preload', 'index.cjs'),
    });
    expect(url).toBe('app://studio/index.html');
  });

  it('blocks navigation away from the app and every <webview>', () => {
    const verdict = (name: string, url: string) => {
      let prevented = false;
      fake.contentsListeners.get(name)!({ preventDefault: () => (prevented = true) }, url);
      return prevented;
    };
    for (const name of ['will-navigate', 'will-redirect']) {
      expect(verdict(name, 'app://studio/index.html#/slide')).toBe(false);
      for (const url of ['https://evil.example/', 'file:///etc/passwd', 'app://studio.evil/', 'app://studio@evil/', 'slide://tiles/x', 'javascript:alert(1)', 'data:text/html,x']) {
        expect(verdict(name, url), `${name} ${url}`).toBe(true);
      }
    }
    let prevented = false;
    fake.contentsListeners.get('will-attach-webview')!({ preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
  });

  it('denies every new window; only https links go to the system browser', () => {
    for (const url of ['https://www.warwick.ac.uk/glas', 'http://example.com/', 'file:///etc/passwd', 'smb://server/share', 'vscode://x', 'app://studio/index.html', 'not a url']) {
      expect(fake.openHandler!({ url })).toEqual({ action: 'deny' });
    }
    expect(fake.openedExternally).toEqual(['https://www.warwick.ac.uk/glas']);
  });

  it('refuses every permission request and check', () => {
    const handlers: Record<string, Listener> = {};
    lockDownSession({
      setPermissionRequestHandler: (h: Listener) => (handlers.request = h),
      setPermissionCheckHandler: (h: Listener) => (handlers.check = h),
      setDevicePermissionHandler: (h: Listener) => (handlers.device = h),
    } as unknown as Parameters<typeof lockDownSession>[0]);
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen']) {
      let granted: boolean | null = null;
      handlers.request(null, permission, (answer: boolean) => (granted = answer));
      expect(granted, permission).toBe(false);
      expect(handlers.check(null, permission, 'app://studio')).toBe(false);
    }
    expect(handlers.device({ deviceType: 'usb' })).toBe(false);
  });
});

describe('app:// protocol', () => {
  const get = (url: string) => fake.protocolHandlers.get('app')!(new Request(url));

  it('serves the renderer with the strict CSP on pages', async () => {
    const page = await get('app://studio/index.html');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(await (await get('app://studio/assets/app.js')).text()).toContain('console.log');
  });

  it('the CSP allows no remote code, no eval, no plugins, no framing', () => {
    const directives = new Map(CONTENT_SECURITY_POLICY.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|https?:|\*/);
  });

  it.each([
    'app://studio/../secret.txt',
    'app://studio/%2e%2e/secret.txt',
    'app://studio/..%2fsecret.txt',
    'app://studio/..%5csecret.txt',
    'app://studio/%252e%252e%252fsecret.txt',
    'app://studio/leak.txt',
    'app://studio/index.html%00',
    'app://studio/%zz',
    `app://studio/${encodeURIComponent(join(work, 'secret.txt'))}`,
    'app://other/index.html',
  ])('never serves a file outside the renderer: %s', async (url) => {
    const res = await get(url);
    const text = await res.text();
    expect(text).not.toContain(SECRET);
    if (res.status === 200) expect(text).toContain('studio-index');
    else expect([403, 404]).toContain(res.status);
  });
});

describe('slide:// protocol', () => {
  const get = (url: string) => fake.protocolHandlers.get('slide')!(new Request(url));

  it('serves tiles of open slides only', async () => {
    const ok = await get(`slide://tiles/${slide.id}/${slide.tiles.maxLevel}/0_0.jpeg`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('image/jpeg');
    for (const url of [
      'slide://tiles/0123456789abcdef/0/0_0.jpeg',
      'slide://tiles/..%2f..%2fsecret.txt/0/0_0.jpeg',
      `slide://tiles/${slide.id}/99/0_0.jpeg`,
      `slide://tiles/${slide.id}/0/0_0.gif`,
      'slide://associated/0123456789abcdef/label.png',
      `slide://associated/${slide.id}/%zz.png`,
      'slide://heatmaps/pred-0123456789abcdef/probability.png',
      'slide://heatmaps/../secret.png',
      'slide://elsewhere/secret.txt',
    ]) {
      const res = await get(url);
      expect([400, 404], url).toContain(res.status);
      expect(await res.text()).not.toContain(SECRET);
    }
    await engine.handle('slides:close', { id: slide.id });
    const closed = await get(`slide://tiles/${slide.id}/${slide.tiles.maxLevel}/0_0.jpeg`);
    expect(closed.status).toBe(404);
    expect(((await closed.json()) as { error: { message: string } }).error.message).toMatch(/not open/);
    slide = await engine.handle('slides:open', { path: slide.path });
  });
});

describe('IPC registration', () => {
  it('registers one handler per channel, each checking the sender', async () => {
    expect(fake.ipcHandlers.size).toBeGreaterThan(20);
    const handler = fake.ipcHandlers.get('app:info')!;
    const trusted = await handler({ senderFrame: { url: 'app://studio/index.html', parent: null } }, {});
    expect(trusted).toMatchObject({ ok: true, value: { mode: 'electron' } });
    const iframe = await handler({ senderFrame: { url: 'app://studio/index.html', parent: {} } }, {});
    expect(iframe).toMatchObject({ ok: false, error: { code: 'access-denied' } });
    const foreign = await handler({ senderFrame: { url: 'https://evil.example/', parent: null } }, {});
    expect(foreign).toMatchObject({ ok: false, error: { code: 'access-denied' } });
  });
});
