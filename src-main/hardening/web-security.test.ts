/**
 * Web mode (`semimoe serve`) against a hostile browser page or a curious LAN neighbour: no
 * request reads a file the user did not open (traversal in every encoding, symlinks, NUL,
 * absolute paths), tiles only for open slides, DNS rebinding and cross-origin calls refused,
 * loopback by default and a token everywhere else. Real server, real files.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopbackHost, resolveStaticPath, startHttpServer, type RunningServer } from '../api/http';
import type { SlideInfo } from '../api/contract';
import { StudioEngine } from '../engine/studio-engine';
import { jsonOf, postJson, rawRequest, writePyramidTiff } from './support';

const SECRET = 'PATIENT-SECRET-do-not-serve';
// Made at load time: the attack lists below name paths inside it.
const work = mkdtempSync(join(tmpdir(), 'semimoe-websec-'));
let staticDir: string;
let engine: StudioEngine;
let server: RunningServer;
let base: string;
let slide: SlideInfo;

beforeAll(async () => {
  staticDir = join(work, 'renderer');
  mkdirSync(join(staticDir, 'assets'), { recursive: true });
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>studio-index</title>');
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log("app")');
  writeFileSync(join(work, 'secret.txt'), SECRET);
  mkdirSync(join(work, 'private'));
  writeFileSync(join(work, 'private', 'notes.txt'), SECRET);
  // Symlinks inside the renderer folder that lead out of it: a file and a folder.
  symlinkSync(join(work, 'secret.txt'), join(staticDir, 'leak.txt'));
  symlinkSync(join(work, 'private'), join(staticDir, 'assets', 'escape'));
  symlinkSync('/etc/passwd', join(staticDir, 'passwd'));
  engine = new StudioEngine({ projectDir: join(work, 'project'), mode: 'web' });
  server = await startHttpServer({ engine, host: '127.0.0.1', port: 0, token: null, staticDir });
  base = server.url;
  const slidePath = join(work, 'slide.tif');
  await writePyramidTiff(slidePath, 1024, 768);
  slide = jsonOf<SlideInfo>(await postJson(base, 'slides:open', { path: slidePath }));
});

afterAll(async () => {
  await server.close();
  await engine.close();
  rmSync(work, { recursive: true, force: true });
});

/**
 * What an attack may get back: the app shell (the URL parser removes dot segments, so
 * "/tiles/../x" is the unknown page "/x" of a single-page app) or a clear refusal; never a secret.
 */
function expectShellOrRefusal(res: Awaited<ReturnType<typeof rawRequest>>): void {
  const text = res.body.toString();
  expect(text).not.toContain(SECRET);
  expect(text).not.toMatch(/root:.*:0:0:/);
  if (res.status === 200) expect(text).toContain('studio-index');
  else {
    expect([400, 403, 404]).toContain(res.status);
    const body = jsonOf<{ error: { code: string; message: string } }>(res);
    expect(body.error.code).toMatch(/^(access-denied|invalid-request|not-found)$/);
    expect(body.error.message.length).toBeGreaterThan(5);
  }
}

/** Attack paths against the static file server; each must yield the app or a refusal, never the secret. */
const STATIC_ATTACKS = [
  '/../secret.txt',
  '/../../../../../../etc/passwd',
  '/..%2fsecret.txt',
  '/..%2Fsecret.txt',
  '/%2e%2e/secret.txt',
  '/%2e%2e%2fsecret.txt',
  '/%2E%2E%2Fsecret.txt',
  '/.%2e/secret.txt',
  '/%252e%252e%252fsecret.txt', // double encoding: decoded once it is a literal name
  '/%252e%252e/secret.txt',
  '/..%5csecret.txt',
  '/..%5c..%5csecret.txt',
  '/..\\secret.txt',
  '/assets/..%2f..%2fsecret.txt',
  '/assets/%2e%2e/%2e%2e/secret.txt',
  '/%c0%ae%c0%ae/secret.txt', // overlong UTF-8 dots
  '/%u002e%u002e/secret.txt',
  '//etc/passwd',
  '/%2fetc%2fpasswd',
  `/${encodeURIComponent(join(work, 'secret.txt'))}`,
  `/${join(work, 'secret.txt')}`,
  '/leak.txt', // symlink to a file outside
  '/assets/escape/notes.txt', // symlink to a folder outside
  '/passwd',
  '/index.html%00.txt',
  '/secret.txt%00',
  '/%00',
  '/%zz',
  '/%',
  '/./././../secret.txt',
  '/assets/./../../secret.txt',
];

describe('web mode: static files', () => {
  it('serves the renderer itself', async () => {
    const index = await rawRequest(base, '/');
    expect(index.status).toBe(200);
    expect(index.body.toString()).toContain('studio-index');
    expect(index.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(index.headers['referrer-policy']).toBe('no-referrer');
    const js = await rawRequest(base, '/assets/app.js');
    expect(js.body.toString()).toContain('console.log');
    expect(js.headers['x-content-type-options']).toBe('nosniff');
  });

  it.each(STATIC_ATTACKS)('never serves a file outside the renderer: %s', async (path) => {
    expectShellOrRefusal(await rawRequest(base, path));
  });

  it('resolveStaticPath refuses traversal, NUL, backslashes and symlinks that leave the root', async () => {
    const forbidden = ['/../secret.txt', '/a/../../secret.txt', '/%2e%2e/secret.txt', '/..%5csecret.txt', '/x%00', '/%zz', '/leak.txt', '/assets/escape/notes.txt', '/passwd'];
    for (const path of forbidden) expect((await resolveStaticPath(staticDir, path)).kind, path).toBe('forbidden');
    expect(await resolveStaticPath(staticDir, '/assets/app.js')).toEqual({ kind: 'file', path: join(staticDir, 'assets', 'app.js') });
    expect((await resolveStaticPath(staticDir, '/%252e%252e/secret.txt')).kind).toBe('missing');
    expect((await resolveStaticPath(staticDir, '/assets')).kind).toBe('missing'); // a folder is not a file
  });
});

describe('web mode: tiles, associated images and heat maps', () => {
  it('serves tiles of the slide the user opened', async () => {
    const res = await rawRequest(base, `/tiles/${slide.id}/${slide.tiles.maxLevel}/0_0.jpeg`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    // Another site may not even embed it.
    expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
  });

  const TILE_ATTACKS = [
    '/tiles/../secret.txt',
    '/tiles/..%2f..%2fsecret.txt/0/0_0.jpeg',
    '/tiles/%2e%2e/0/0_0.jpeg',
    '/tiles/0123456789abcdef/0/0_0.jpeg', // well-formed, never opened
    '/tiles/0123456789abcdef/../../secret.txt',
    '/tiles/0123456789ABCDEF/0/0_0.jpeg',
    '/tiles/0123456789abcdef%00/0/0_0.jpeg',
    '/tiles/0123456789abcdef/0/0_0.jpeg%00.txt',
    '/tiles/0123456789abcdef/0/..%5c..%5c_0.jpeg',
    `/tiles/${encodeURIComponent(join(work, 'secret.txt'))}/0/0_0.jpeg`,
    '/tiles/0123456789abcdef/-1/0_0.jpeg',
    '/tiles/0123456789abcdef/0/1e309_0.jpeg',
    '/associated/0123456789abcdef/label.png',
    '/associated/0123456789abcdef/..%2f..%2fsecret.png',
    '/associated/%2e%2e/secret.png',
    '/heatmaps/pred-0123456789abcdef/probability.png',
    '/heatmaps/..%2f..%2fsecret/probability.png',
    '/heatmaps/pred-0123456789abcdef/..%2fsecret.png',
  ];
  it.each(TILE_ATTACKS)('refuses %s with a clear error', async (path) => {
    const res = await rawRequest(base, path);
    expectShellOrRefusal(res);
    // Only paths whose dot segments the URL parser removed may fall through to the app shell.
    if (res.status === 200) expect(path).toMatch(/\/(\.\.|%2e%2e)\//i);
  });

  it('refuses the tiles of a real slide of the same project that is not open', async () => {
    await postJson(base, 'slides:close', { id: slide.id });
    const res = await rawRequest(base, `/tiles/${slide.id}/${slide.tiles.maxLevel}/0_0.jpeg`);
    expect(res.status).toBe(404);
    expect(jsonOf<{ error: { message: string } }>(res).error.message).toMatch(/not open/);
    // slides:open with a path is the only way in; the engine refuses the secret as a slide.
    const asSlide = await postJson(base, 'slides:open', { path: join(work, 'secret.txt') });
    expect(asSlide.status).toBe(422);
    expect(jsonOf<{ error: { code: string } }>(asSlide).error.code).toBe('unsupported-format');
    slide = jsonOf<SlideInfo>(await postJson(base, 'slides:open', { path: slide.path }));
  });
});

describe('web mode: who may call', () => {
  it.each([
    ['evil.example', 'a foreign name'],
    ['evil.example:80', 'a foreign name and port'],
    ['127.0.0.1.evil.example', 'a name that starts like loopback'],
    ['localhost', 'the right name on the wrong port'],
    ['127.0.0.1:1', 'the wrong port'],
  ])('refuses Host %s (%s): DNS rebinding', async (host) => {
    for (const path of ['/api/health', '/', `/tiles/${slide.id}/0/0_0.jpeg`]) {
      const res = await rawRequest(base, path, { headers: { host } });
      expect(res.status).toBe(403);
      expect(jsonOf<{ error: { code: string } }>(res).error.code).toBe('access-denied');
    }
    const api = await postJson(base, 'app:info', {}, { host });
    expect(api.status).toBe(403);
  });

  it('refuses a request without any Host header', async () => {
    // Node's HTTP parser answers 400 itself (HTTP/1.1 requires Host); our guard would say 403.
    expect([400, 403]).toContain((await rawRequest(base, '/api/health', { noHost: true })).status);
  });

  it('accepts its own names: 127.0.0.1 and localhost with its port', async () => {
    const port = new URL(base).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
      expect((await rawRequest(base, '/api/health', { headers: { host } })).status).toBe(200);
    }
  });

  it('refuses API calls from a page of another origin, even without a preflight', async () => {
    const res = await postJson(base, 'app:info', {}, { origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    const nullOrigin = await postJson(base, 'app:info', {}, { origin: 'null' });
    expect(nullOrigin.status).toBe(403);
    const own = await postJson(base, 'app:info', {}, { origin: new URL(base).origin });
    expect(own.status).toBe(200);
    // A form post (text/plain) never reaches the engine.
    const form = await rawRequest(base, '/api/slides:open', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"path":"/etc/passwd"}' });
    expect(form.status).toBe(400);
  });

  it('knows which addresses are loopback (literal IPs only)', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '::ffff:127.0.0.1']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.10', '127.0.0.1.nip.io', '127.evil.example', '10.0.0.1', '']) expect(isLoopbackHost(h), h).toBe(false);
  });

  it('refuses to listen on a reachable address without a long token', async () => {
    await expect(startHttpServer({ engine, host: '0.0.0.0', port: 0, token: null, staticDir })).rejects.toThrow(/token/);
    await expect(startHttpServer({ engine, host: '0.0.0.0', port: 0, token: 'short', staticDir })).rejects.toThrow(/token/);
  });

  it('on a reachable address, every API, tile and event request needs the token', async () => {
    const token = 'a-long-enough-test-token-123';
    const lan = await startHttpServer({ engine, host: '0.0.0.0', port: 0, token, staticDir });
    const lanBase = `http://127.0.0.1:${new URL(lan.url.replace('0.0.0.0', '127.0.0.1')).port}/`;
    try {
      const tile = `/tiles/${slide.id}/${slide.tiles.maxLevel}/0_0.jpeg`;
      for (const path of ['/api/events', tile, `/associated/${slide.id}/label.png`, '/heatmaps/pred-0123456789abcdef/probability.png']) {
        const res = await rawRequest(lanBase, path);
        expect(res.status, path).toBe(401);
      }
      expect((await postJson(lanBase, 'app:info', {})).status).toBe(401);
      expect((await postJson(lanBase, 'app:info', {}, { 'x-studio-token': `${token}x` })).status).toBe(401);
      expect((await postJson(lanBase, 'app:info', {}, { 'x-studio-token': token.slice(0, -1) })).status).toBe(401);
      // With the token, whatever name the LAN client used to reach the machine.
      expect((await postJson(lanBase, 'app:info', {}, { 'x-studio-token': token, host: 'studio-gpu.lab.example:8080' })).status).toBe(200);
      expect((await rawRequest(lanBase, `${tile}?token=${token}`)).status).toBe(200);
      expect(lan.url).toContain(`?token=${token}`);
    } finally {
      await lan.close();
    }
  });
});

describe('semimoe serve (the real command)', () => {
  /** Starts `semimoe serve`, returns the address it prints, then stops it. */
  async function servedAddress(args: string[]): Promise<{ url: string | null; code: number | null; stderr: string }> {
    const bin = resolve(__dirname, '..', '..', 'bin', 'semimoe.mjs');
    const child = spawn(process.execPath, [bin, 'serve', '--no-sample', '--project', join(work, `serve-${args.length}`), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = await new Promise<string | null>((done) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = /serving (\S+)/.exec(stdout);
        if (m) done(m[1]);
      });
      child.on('exit', () => done(null));
    });
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((done) => (child.exitCode !== null ? done(child.exitCode) : child.on('exit', (c) => done(c))));
    return { url, code, stderr };
  }

  it('listens on 127.0.0.1 without a token by default', async () => {
    const { url } = await servedAddress([]);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  }, 60_000);

  it('generates a token when told to listen on another address, and refuses a short one', async () => {
    const { url } = await servedAddress(['--host', '0.0.0.0']);
    expect(url).toMatch(/^http:\/\/0\.0\.0\.0:\d+\/\?token=[A-Za-z0-9_-]{16,}$/);
    const refused = await servedAddress(['--host', '0.0.0.0', '--token', 'abc']);
    expect(refused.url).toBeNull();
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/at least 16 characters/);
  }, 60_000);
});
