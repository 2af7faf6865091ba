/**
 * Load: 1,000 concurrent tile requests against web mode on a real slide (CMU-1-Small-Region.svs
 * when the shared data is present, else the generated sample slide). All must be answered (200,
 * or 503 + Retry-After from admission control), the server's resident memory must stay bounded,
 * and afterwards the viewer must still work (health, an API call, a new tile).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlideInfo } from '../api/contract';
import { startHttpServer, type RunningServer } from '../api/http';
import { RenderGate, ServerBusyError } from '../engine/open-slides';
import { ensureSampleSlide } from '../engine/sample-slide';
import { StudioEngine } from '../engine/studio-engine';
import { jsonOf, postJson, rawRequest, rssMiB } from './support';

const SHARED_SLIDE = '/work/shared/data/slides/CMU-1-Small-Region.svs';
/** Resident memory the burst may add on top of the warmed-up server (tiles, sockets, buffers). */
const RSS_CEILING_MIB = 256;

let work: string;
let engine: StudioEngine;
let server: RunningServer;
let base: string;
let slide: SlideInfo;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'semimoe-load-'));
  mkdirSync(join(work, 'renderer'));
  writeFileSync(join(work, 'renderer', 'index.html'), '<!doctype html><title>studio</title>');
  const slidePath = existsSync(SHARED_SLIDE) ? SHARED_SLIDE : await ensureSampleSlide();
  if (!slidePath) throw new Error('No slide to load-test: the sample slide could not be generated');
  engine = new StudioEngine({ projectDir: join(work, 'project'), mode: 'web' });
  server = await startHttpServer({ engine, host: '127.0.0.1', port: 0, token: null, staticDir: join(work, 'renderer') });
  base = server.url;
  const opened = await postJson(base, 'slides:open', { path: slidePath });
  expect(opened.status).toBe(200);
  slide = jsonOf<SlideInfo>(opened);
});

afterAll(async () => {
  await server.close();
  await engine.close();
  rmSync(work, { recursive: true, force: true });
});

/** Every tile address of the levels a viewer shows when zooming in, coarse to fine. */
function tileAddresses(): string[] {
  const { tileSize, maxLevel } = slide.tiles;
  const out: string[] = [];
  for (let level = maxLevel; level >= 0 && out.length < 2000; level--) {
    const scale = 2 ** (maxLevel - level);
    const cols = Math.ceil(Math.ceil(slide.width / scale) / tileSize);
    const rows = Math.ceil(Math.ceil(slide.height / scale) / tileSize);
    for (let row = 0; row < rows; row++) for (let col = 0; col < cols; col++) out.push(`/tiles/${slide.id}/${level}/${col}_${row}.${slide.tiles.format}`);
  }
  return out;
}

describe('load: 1,000 concurrent tile requests', () => {
  it('answers every request, keeps memory bounded, and keeps serving afterwards', async () => {
    const addresses = tileAddresses();
    // Warm up: the first tiles load sharp's codecs and the slide's tables.
    for (const path of addresses.slice(0, 4)) expect((await rawRequest(base, path)).status).toBe(200);
    global.gc?.();
    const baseline = rssMiB();
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB())), 10);

    // One socket per request, all opened at once, as a misbehaving client would.
    const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
    const url = new URL(base);
    const started = performance.now();
    const statuses = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        new Promise<{ status: number; bytes: number; retryAfter?: string }>((resolve, reject) => {
          const req = httpRequest({ host: url.hostname, port: url.port, path: addresses[(i * 7) % addresses.length], agent }, (res) => {
            let bytes = 0;
            res.on('data', (c: Buffer) => (bytes += c.length));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, retryAfter: res.headers['retry-after'] as string | undefined }));
          });
          req.on('error', reject);
          req.end();
        }),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    agent.destroy();
    peak = Math.max(peak, rssMiB());

    const ok = statuses.filter((s) => s.status === 200);
    const busy = statuses.filter((s) => s.status === 503);
    expect(ok.length + busy.length, `statuses: ${[...new Set(statuses.map((s) => s.status))].join(', ')}`).toBe(1000);
    for (const b of busy) expect(b.retryAfter).toBe('1');
    expect(ok.every((s) => s.bytes > 0)).toBe(true);
    console.log(
      `[load] 1000 concurrent tiles of ${slide.name}: ${ok.length} x 200, ${busy.length} x 503 in ${seconds.toFixed(1)} s; ` +
        `RSS ${baseline.toFixed(0)} -> peak ${peak.toFixed(0)} MiB (+${(peak - baseline).toFixed(0)}); gate ${JSON.stringify(engine.openSlides.gate.stats())}`,
    );
    expect(peak - baseline).toBeLessThan(RSS_CEILING_MIB);
    expect(engine.openSlides.gate.stats()).toEqual({ running: 0, waiting: 0 });

    // The viewer still works.
    expect((await rawRequest(base, '/api/health')).status).toBe(200);
    expect(jsonOf<SlideInfo>(await postJson(base, 'slides:get', { id: slide.id })).status).toBe('ok');
    expect((await rawRequest(base, addresses[addresses.length - 1])).status).toBe(200);
  });
});

describe('admission control (RenderGate)', () => {
  it('runs at most `concurrency` tasks, queues up to `maxQueued`, refuses the rest at once', async () => {
    const gate = new RenderGate(2, 3);
    let running = 0;
    let most = 0;
    const release: Array<() => void> = [];
    const task = () =>
      new Promise<number>((done) => {
        running++;
        most = Math.max(most, running);
        release.push(() => {
          running--;
          done(1);
        });
      });
    const admitted = Array.from({ length: 5 }, () => gate.run(task));
    await expect(gate.run(task)).rejects.toBeInstanceOf(ServerBusyError);
    expect(gate.stats()).toEqual({ running: 2, waiting: 3 });
    while (release.length || gate.stats().running) {
      release.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(admitted)).toEqual([1, 1, 1, 1, 1]);
    expect(most).toBe(2);
    expect(gate.stats()).toEqual({ running: 0, waiting: 0 });
  });

  it('a failing task frees its slot', async () => {
    const gate = new RenderGate(1, 1);
    await expect(gate.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await gate.run(async () => 'next')).toBe('next');
    expect(gate.stats()).toEqual({ running: 0, waiting: 0 });
  });
});
