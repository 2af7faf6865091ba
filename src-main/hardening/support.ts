/**
 * Shared helpers for the hardening tests: raw HTTP requests (so tests can send what no browser
 * would), a dump of everything the project database holds, and small real slides.
 */
import { request as httpRequest } from 'node:http';
import sharp from 'sharp';
import type { StudioEngine } from '../engine/studio-engine';

export interface RawResponse {
  status: number;
  body: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

export interface RawInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send no Host header at all (Node adds one unless told not to). */
  noHost?: boolean;
}

/** One HTTP request with the path sent exactly as given (no URL normalisation). */
export function rawRequest(base: string, path: string, init: RawInit = {}): Promise<RawResponse> {
  const url = new URL(base);
  // Node frames a DELETE/OPTIONS body with neither length nor chunking; say the length so
  // the server sees a well-formed request whatever the method.
  const headers = init.body === undefined ? init.headers : { 'content-length': String(Buffer.byteLength(init.body)), ...init.headers };
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path, method: init.method ?? 'GET', headers, setHost: !init.noHost, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

export async function postJson(base: string, channel: string, body: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  return rawRequest(base, `/api/${encodeURIComponent(channel)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

export function jsonOf<T = Record<string, unknown>>(res: RawResponse): T {
  return JSON.parse(res.body.toString('utf8')) as T;
}

/**
 * Every row of every table, in a stable order, plus the open slides: the "state" a request must
 * not change. Blobs are hex so the dump compares as text.
 */
export function dumpState(engine: StudioEngine): string {
  const db = engine.store.db;
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
  const dump: Record<string, unknown> = { openSlides: engine.openSlides.ids().sort() };
  for (const table of tables) {
    const quoted = `"${table.replace(/"/g, '""')}"`;
    // Virtual (R*Tree) tables and WITHOUT ROWID tables have no rowid to order by: order by every column.
    const rows = db.prepare(`SELECT * FROM ${quoted}`).all() as Record<string, unknown>[];
    const text = rows.map((row) => JSON.stringify(row, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v))).sort();
    dump[table] = text;
  }
  return JSON.stringify(dump);
}

/** A real tiled, pyramidal JPEG TIFF with noisy pixels (the generic-tiff reader opens it). */
export async function writePyramidTiff(path: string, width: number, height: number): Promise<void> {
  await sharp({ create: { width, height, channels: 3, background: { r: 200, g: 150, b: 190 }, noise: { type: 'gaussian', mean: 150, sigma: 40 } } })
    .tiff({ tile: true, tileWidth: 256, tileHeight: 256, pyramid: true, compression: 'jpeg', quality: 80 })
    .toFile(path);
}

/** Resident set size of this process in MiB. */
export function rssMiB(): number {
  return process.memoryUsage().rss / (1024 * 1024);
}
