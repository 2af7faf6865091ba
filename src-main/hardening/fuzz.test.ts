/**
 * Hundreds of malformed and random requests over both transports (HTTP and the IPC handler),
 * from a seeded generator so a failure replays. Each must be answered (no crash, no hang) with
 * a JSON error body carrying a known code and a message, never an 'internal' error, and
 * together they must leave the project database and the open slides exactly as they were.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SlideInfo } from '../api/contract';
import { startHttpServer, type RunningServer } from '../api/http';
import { REQUEST_SCHEMAS } from '../api/schemas';
import { handleIpcCall, type IpcSenderInfo } from '../app/ipc-handler';
import { StudioEngine } from '../engine/studio-engine';
import { dumpState, jsonOf, postJson, rawRequest, writePyramidTiff } from './support';

const KNOWN_CODES = new Set([
  'invalid-request', 'not-found', 'not-a-file', 'empty-file', 'unsupported-format', 'corrupt-slide', 'too-large',
  'missing-library', 'access-denied', 'tile-failed', 'conflict', 'cancelled', 'no-model', 'invalid-geometry', 'invalid-geojson',
]);
const CHANNELS = Object.keys(REQUEST_SCHEMAS);
/** A well-formed slide id that is not in the project: valid requests naming it change nothing. */
const ABSENT_SLIDE = 'deadbeefdeadbeef';

/** encodeURIComponent, but a lone surrogate (which it refuses) is sent as its raw UTF-8 bytes. */
function enc(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80';
  }
}

/** mulberry32: tiny, seedable, good enough to pick test inputs. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  constructor(private readonly next: () => number) {}
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  string(): string {
    return this.pick([
      () => '',
      () => 'x'.repeat(1 + this.int(20)),
      () => 'y'.repeat(200_000), // huge
      () => '../../../../etc/passwd',
      () => '/etc/passwd',
      () => 'C:\\Windows\\win.ini',
      () => 'a\u0000b',
      () => '%00%2e%2e%2f',
      () => '\ud800', // lone surrogate
      () => '__proto__',
      () => ABSENT_SLIDE,
      () => 'DEADBEEFDEADBEEF',
      () => String.fromCharCode(...Array.from({ length: 1 + this.int(40) }, () => this.int(0xffff))),
      () => '<script>alert(1)</script>',
      () => "'; DROP TABLE glands; --",
    ])();
  }
  number(): number {
    return this.pick([0, -0, -1, 1, 0.5, 1e308, -1e308, 2 ** 53, 1e7 + 1, 49, 5001, 501, Number.MIN_VALUE, 10, 3.7, -5]);
  }
  value(depth = 0): unknown {
    const kinds = depth > 3 ? 4 : 7;
    switch (this.int(kinds)) {
      case 0: return null;
      case 1: return this.next() < 0.5;
      case 2: return this.number();
      case 3: return this.string();
      case 4: return Array.from({ length: this.int(5) }, () => this.value(depth + 1));
      case 5: {
        const out: Record<string, unknown> = {};
        for (let i = this.int(5); i > 0; i--) out[this.pick(['path', 'id', 'slideId', 'region', 'edit', 'kind', 'x', '__proto__', 'constructor', 'geojson', 'budgetSeconds', this.string().slice(0, 30)])] = this.value(depth + 1);
        return out;
      }
      default: return this.template(this.pick(CHANNELS));
    }
  }
  /** Deep nesting: an array or object `depth` levels deep. */
  deep(depth: number): unknown {
    let v: unknown = 1;
    for (let i = 0; i < depth; i++) v = this.next() < 0.5 ? [v] : { a: v };
    return v;
  }
  /** The same as JSON text, built without recursion (JSON.stringify would overflow the stack). */
  deepText(depth: number): string {
    return this.next() < 0.5 ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  }
  /** A near-valid request for `channel`, with one field mutated, dropped or added. */
  template(channel: string): unknown {
    const region = { x: 0, y: 0, width: 100, height: 100 };
    const ring = [[0, 0], [10, 0], [10, 10], [0, 0]];
    const base: Record<string, Record<string, unknown>> = {
      'slides:open': { path: '/no/such/slide.svs' },
      'slides:get': { id: ABSENT_SLIDE },
      'slides:close': { id: ABSENT_SLIDE },
      'files:list': { path: '/no/such/folder' },
      'glands:query': { slideId: ABSENT_SLIDE, region },
      'glands:edit': { slideId: ABSENT_SLIDE, edit: { kind: 'create', polygons: [[ring]] } },
      'glands:undo': { slideId: ABSENT_SLIDE },
      'glands:redo': { slideId: ABSENT_SLIDE },
      'glands:exportGeoJson': { slideId: ABSENT_SLIDE },
      'glands:importGeoJson': { slideId: ABSENT_SLIDE, geojson: '{"type":"FeatureCollection","features":[]}' },
      'predict:region': { slideId: ABSENT_SLIDE, region },
      'queue:build': { slideId: ABSENT_SLIDE, fieldSizeUm: 500, maxFields: 5 },
      'queue:list': { slideId: ABSENT_SLIDE },
      'fields:markDone': { fieldId: 'no-such-field', acceptProposed: true },
      'models:activate': { id: 'no-such-model' },
      'train:start': { budgetSeconds: 5 },
    };
    const request: Record<string, unknown> = { ...(base[channel] ?? {}) };
    const keys = Object.keys(request);
    const action = this.int(4);
    if (action === 0 && keys.length) request[this.pick(keys)] = this.value(4);
    else if (action === 1 && keys.length) delete request[this.pick(keys)];
    else if (action === 2) request[this.pick(['extra', '__proto__', 'constructor', 'prototype'])] = this.value(4);
    return request;
  }
}

let work: string;
let engine: StudioEngine;
let server: RunningServer;
let base: string;
let slide: SlideInfo;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'semimoe-fuzz-'));
  engine = new StudioEngine({ projectDir: join(work, 'project'), mode: 'web' });
  mkdirSync(join(work, 'renderer'));
  writeFileSync(join(work, 'renderer', 'index.html'), '<!doctype html><title>studio-index</title>');
  server = await startHttpServer({ engine, host: '127.0.0.1', port: 0, token: null, staticDir: join(work, 'renderer') });
  base = server.url;
  const slidePath = join(work, 'slide.tif');
  await writePyramidTiff(slidePath, 1024, 1024);
  slide = jsonOf<SlideInfo>(await postJson(base, 'slides:open', { path: slidePath }));
  // Some real state to protect: a gland, and the starter model registered.
  const ring = [[100, 100], [300, 100], [300, 300], [100, 300], [100, 100]];
  expect((await postJson(base, 'glands:edit', { slideId: slide.id, edit: { kind: 'create', polygons: [[ring]] } })).status).toBe(200);
  expect((await postJson(base, 'models:list', {})).status).toBe(200);
  // The dump must see that state, or "unchanged" would prove nothing.
  const state = dumpState(engine);
  expect(state).toContain(slide.id);
  expect(state).toContain('starter');
});

afterAll(async () => {
  await server.close();
  await engine.close();
  rmSync(work, { recursive: true, force: true });
});

/** A reply is fine when it is a success, or an error body with a known code and a message. */
function checkReply(status: number, body: unknown, context: string): 'ok' | 'error' {
  if (status === 200) return 'ok';
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  expect(error, context).toBeDefined();
  expect(KNOWN_CODES.has(String(error?.code)), `${context}: code ${String(error?.code)} (${String(error?.message)})`).toBe(true);
  expect(typeof error?.message === 'string' && error.message.length > 5, context).toBe(true);
  return 'error';
}

describe('fuzz: HTTP transport', () => {
  it('answers 600 malformed or random requests clearly and changes nothing', async () => {
    const gen = new Gen(rng(0x5eed));
    const unexpected = vi.spyOn(console, 'error');
    const before = dumpState(engine);
    let errors = 0;
    const methods = ['POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'];
    const types = ['application/json', 'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', ''];
    for (let i = 0; i < 600; i++) {
      const channel = gen.pick([
        ...CHANNELS, ...CHANNELS,
        'slides:delete', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '', 'slides:open/../x', 'a'.repeat(5000), '%zz', '%00', 'slides%3Aopen',
      ]);
      const method = gen.pick(methods);
      const type = gen.pick(types);
      const bodyKind = gen.int(8);
      let body: string | Buffer;
      if (bodyKind === 0) body = '{"path":';
      else if (bodyKind === 1) body = Buffer.from(Array.from({ length: 1 + gen.int(200) }, () => gen.int(256)));
      else if (bodyKind === 2) body = gen.deepText(1000 + gen.int(100_000));
      else if (bodyKind === 3 && i % 25 === 0) body = `{"path":"${'z'.repeat(2 * 1024 * 1024)}"}`; // over the 1 MiB limit
      else if (bodyKind === 4) body = '';
      else body = JSON.stringify(gen.value());
      const encoded = channel.startsWith('%') ? channel : enc(channel);
      const headers: Record<string, string> = type ? { 'content-type': type } : {};
      const res = await rawRequest(base, `/api/${encoded}`, { method, headers, body: method === 'GET' || method === 'HEAD' ? undefined : body });
      const context = `#${i} ${method} ${channel.slice(0, 40)} (${type}) ${String(body).slice(0, 80)}`;
      if (method === 'HEAD') {
        expect(res.status, context).toBeGreaterThanOrEqual(400); // no body to read
        errors++;
        continue;
      }
      expect(String(res.headers["content-type"]), `${context} -> ${res.status} ${res.body.toString().slice(0, 200)}`).toMatch(/^application\/json/);
      if (checkReply(res.status, JSON.parse(res.body.toString('utf8')), context) === 'error') errors++;
    }
    // Nearly all of it is malformed; what is well formed names a slide or model that does not exist.
    expect(errors).toBeGreaterThan(540);
    expect(unexpected.mock.calls.filter((c) => String(c[0]).includes('unexpected error'))).toEqual([]);
    unexpected.mockRestore();
    expect(dumpState(engine)).toBe(before);
    expect((await rawRequest(base, '/api/health')).status).toBe(200);
    expect((await rawRequest(base, `/tiles/${slide.id}/${slide.tiles.maxLevel}/0_0.jpeg`)).status).toBe(200);
  });

  it('answers random tile, associated-image and heat-map addresses clearly', async () => {
    const gen = new Gen(rng(7));
    const before = dumpState(engine);
    for (let i = 0; i < 200; i++) {
      const id = gen.pick([slide.id, ABSENT_SLIDE, gen.string().slice(0, 40), '']);
      const part = () => gen.pick(['0', '-1', '99', '1e3', 'NaN', '0x1', ' 1', '1.5', String(slide.tiles.maxLevel), '%00', '..', gen.string().slice(0, 8)]);
      const path = gen.pick([
        () => `/tiles/${enc(id)}/${part()}/${part()}_${part()}.${gen.pick(['jpeg', 'png', 'gif', '', 'jpeg%00'])}`,
        () => `/associated/${enc(id)}/${enc(gen.string().slice(0, 30))}.png`,
        () => `/heatmaps/${gen.pick(['pred-0123456789abcdef', gen.string().slice(0, 20)])}/${gen.pick(['probability', 'uncertainty', 'x'])}.png`,
      ])();
      const res = await rawRequest(base, path.replace(/[^\x21-\x7e]/g, (c) => enc(c)));
      if (res.status === 200 && res.headers['content-type'] !== 'application/json; charset=utf-8') continue; // a real tile
      if (res.headers['content-type']?.toString().startsWith('text/html')) continue; // dot segments: the app shell
      checkReply(res.status, JSON.parse(res.body.toString('utf8')), path);
    }
    expect(dumpState(engine)).toBe(before);
  });
});

describe('fuzz: IPC transport (the handler ipcMain calls)', () => {
  const TRUSTED: IpcSenderInfo = { senderFrame: { url: 'app://studio/index.html', parent: null } };

  it('refuses every call from a frame that is not our app, whatever it asks', async () => {
    const before = dumpState(engine);
    const untrusted: IpcSenderInfo[] = [
      { senderFrame: null },
      { senderFrame: { url: 'https://evil.example/', parent: null } },
      { senderFrame: { url: 'app://studio.evil/index.html', parent: null } },
      { senderFrame: { url: 'app://studio@evil/index.html', parent: null } },
      { senderFrame: { url: 'app://evil/studio/index.html', parent: null } },
      { senderFrame: { url: 'file:///etc/passwd', parent: null } },
      { senderFrame: { url: 'slide://tiles/x', parent: null } },
      { senderFrame: { url: 'devtools://devtools/bundled/inspector.html', parent: null } },
      { senderFrame: { url: 'app://studio/index.html', parent: {} } }, // an iframe inside our page
      { senderFrame: { url: 'not a url', parent: null } },
      { senderFrame: { url: '', parent: null } },
    ];
    for (const event of untrusted) {
      for (const channel of ['app:info', 'slides:open', 'files:list', 'glands:edit']) {
        const reply = await handleIpcCall(engine, event, channel, channel === 'files:list' ? { path: '/' } : {});
        expect(reply, `${event.senderFrame?.url} ${channel}`).toEqual({ ok: false, error: { code: 'access-denied', message: 'IPC from an untrusted frame' } });
      }
    }
    expect(dumpState(engine)).toBe(before);
  });

  it('answers 600 malformed or random payloads from our own frame clearly and changes nothing', async () => {
    const gen = new Gen(rng(0xc0ffee));
    const before = dumpState(engine);
    const oddValues: unknown[] = [
      undefined, null, 0, NaN, Infinity, -0, 10n, 'str', true, [], [1, 2, 3], new Date(0), new Uint8Array(16), new Map([['path', '/x']]),
      new Set([1]), Object.create(null) as unknown, JSON.parse('{"__proto__":{"polluted":true}}') as unknown, { path: { toString: () => '/etc/passwd' } },
      // eslint-disable-next-line no-sparse-arrays
      [, , 1], { length: 1e9 }, Symbol('x'),
    ];
    let errors = 0;
    for (let i = 0; i < 600; i++) {
      const channel = gen.pick([...CHANNELS, ...CHANNELS, 'slides:delete', '__proto__', 'constructor', 'toString', 'valueOf', '', 'event:slides:status']);
      const payload = gen.pick([() => gen.value(), () => gen.template(channel), () => gen.deep(3000), () => gen.pick(oddValues)])();
      const reply = await handleIpcCall(engine, TRUSTED, channel, payload);
      const context = `#${i} ${channel}`;
      if (reply.ok) continue;
      errors++;
      expect(KNOWN_CODES.has(reply.error.code), `${context}: ${reply.error.code} ${reply.error.message}`).toBe(true);
      expect(reply.error.message.length).toBeGreaterThan(5);
    }
    expect(errors).toBeGreaterThan(500);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(dumpState(engine)).toBe(before);
    // The engine still works over IPC afterwards.
    const info = await handleIpcCall(engine, TRUSTED, 'slides:get', { id: slide.id });
    expect(info.ok).toBe(true);
  });
});
