import { mkdtempSync, rmSync, writeFileSync, mkdirSync, unlinkSync, renameSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StudioEngine } from '../engine/studio-engine';
import { startHttpServer, type RunningServer } from './http';
import type { SlideInfo } from './contract';

let work: string;
let engine: StudioEngine;
let server: RunningServer;
let base: string;

/** Raw request, so tests can send what a browser never would (odd paths, Host headers). */
function raw(path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  const url = new URL(base);
  return new Promise<{ status: number; body: Buffer; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path, method: init.method ?? 'GET', headers: init.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

/** A reply body as the tests read it: either the result's fields or an error body. */
type ApiReply = { error: { code: string; message: string } } & Record<string, unknown>;

async function api(channel: string, body: unknown) {
  const res = await fetch(`${base}api/${encodeURIComponent(channel)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as ApiReply };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'semimoe-http-'));
  const staticDir = join(work, 'renderer');
  mkdirSync(staticDir);
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>studio</title>');
  writeFileSync(join(work, 'secret.txt'), 'do not serve');
  engine = new StudioEngine({ projectDir: join(work, 'project'), mode: 'web' });
  server = await startHttpServer({ engine, host: '127.0.0.1', port: 0, token: null, staticDir });
  base = server.url;
});

afterAll(async () => {
  await server.close();
  await engine.close();
  rmSync(work, { recursive: true, force: true });
});

describe('HTTP transport', () => {
  it('answers health and app info', async () => {
    expect((await raw('/api/health')).status).toBe(200);
    const info = await api('app:info', {});
    expect(info.status).toBe(200);
    expect(info.json.mode).toBe('web');
    expect(info.json.nativeDialogs).toBe(false);
  });

  it('refuses malformed requests with a clear error and a code', async () => {
    const unknown = await api('slides:delete-everything', {});
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('not-found');

    const wrongType = await api('slides:open', { path: 42 });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.error.code).toBe('invalid-request');
    expect(wrongType.json.error.message).toMatch(/path/);

    const extra = await api('slides:open', { path: '/x', evil: true });
    expect(extra.json.error.code).toBe('invalid-request');

    const badJson = await raw('/api/slides:open', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"path":' });
    expect(badJson.status).toBe(400);
    expect(JSON.parse(badJson.body.toString()).error.message).toMatch(/not valid JSON/);

    // A cross-site form post cannot set a JSON content type without a preflight we never answer.
    const form = await raw('/api/slides:open', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"path":"/x"}' });
    expect(form.status).toBe(400);
  });

  it('rejects foreign Host headers (DNS rebinding)', async () => {
    const res = await raw('/api/health', { headers: { host: 'evil.example:80' } });
    expect(res.status).toBe(403);
  });

  it('never serves files outside the renderer folder', async () => {
    for (const path of ['/../secret.txt', '/..%2fsecret.txt', '/%2e%2e/secret.txt', '/..%5csecret.txt']) {
      const res = await raw(path);
      expect(res.body.toString()).not.toContain('do not serve');
    }
  });

  it('serves tiles only for slides opened in this session', async () => {
    const res = await raw('/tiles/0123456789abcdef/0/0_0.jpeg');
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body.toString()).error.message).toMatch(/not open/);
  });

  it('opens a slide, serves its tiles, and notices when the file moves or changes', async () => {
    const slidePath = join(work, 'glands.png');
    await sharp({ create: { width: 600, height: 400, channels: 3, background: { r: 200, g: 120, b: 180 } } }).png().toFile(slidePath);

    const missing = await api('slides:open', { path: join(work, 'nope.svs') });
    expect(missing.json.error.code).toBe('not-found');

    const opened = await api('slides:open', { path: slidePath });
    expect(opened.status).toBe(200);
    const slide = opened.json as unknown as SlideInfo;
    expect([slide.width, slide.height]).toEqual([600, 400]);
    expect(slide.status).toBe('ok');

    const tile = await raw(`/tiles/${slide.id}/${slide.tiles.maxLevel}/0_0.${slide.tiles.format}`);
    expect(tile.status).toBe(200);
    const meta = await sharp(tile.body).metadata();
    expect(meta.width).toBe(Math.min(slide.tiles.tileSize, 600));

    let recent = (await api('slides:recent', {})).json as unknown as Array<{ id: string; status: string }>;
    expect(recent[0]).toMatchObject({ id: slide.id, status: 'ok' });

    renameSync(slidePath, `${slidePath}.moved`);
    recent = (await api('slides:recent', {})).json as unknown as Array<{ id: string; status: string }>;
    expect(recent[0].status).toBe('missing');

    await sharp({ create: { width: 600, height: 400, channels: 3, background: { r: 10, g: 20, b: 30 } } }).png().toFile(slidePath);
    recent = (await api('slides:recent', {})).json as unknown as Array<{ id: string; status: string }>;
    expect(recent[0].status).toBe('changed');
    unlinkSync(`${slidePath}.moved`);
  });

  it('lists folders for the web open dialog', async () => {
    const listing = await api('files:list', { path: work });
    expect(listing.status).toBe(200);
    const names = (listing.json.entries as Array<{ name: string; kind: string }>).map((e) => `${e.kind}:${e.name}`);
    expect(names).toContain('dir:renderer');
    expect(names).toContain('file:secret.txt');
  });
});

describe('HTTP transport with a token', () => {
  it('refuses API and tile requests without the token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'semimoe-token-'));
    const tokenEngine = new StudioEngine({ projectDir: join(dir, 'p'), mode: 'web' });
    const running = await startHttpServer({ engine: tokenEngine, host: '127.0.0.1', port: 0, token: 's3cret', staticDir: dir });
    try {
      const origin = new URL(running.url).origin;
      const without = await fetch(`${origin}/api/app:info`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(without.status).toBe(401);
      const withToken = await fetch(`${origin}/api/app:info`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-studio-token': 's3cret' },
        body: '{}',
      });
      expect(withToken.status).toBe(200);
      expect((await fetch(`${origin}/tiles/0123456789abcdef/0/0_0.jpeg`)).status).toBe(401);
    } finally {
      await running.close();
      await tokenEngine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
