/**
 * The HTTP transport of the contract, for `semimoe serve` (web mode and end-to-end tests).
 *
 *   POST /api/{channel}      JSON request -> JSON response, or {error:{code,message}}
 *   GET  /api/events         server-sent events (ApiEvents)
 *   GET  /api/health         liveness, for scripts and tests
 *   GET  /tiles/{id}/{level}/{col}_{row}.{jpeg|png}   deep-zoom tiles of an open slide
 *   GET  /associated/{id}/{name}.png                   label, macro, thumbnail images
 *   GET  /heatmaps/{predictionId}/{kind}.png            probability / uncertainty maps of a prediction
 *   GET  /*                  the built renderer (out/renderer)
 *
 * Safety: listens on 127.0.0.1 by default; on any other address a token of 16+ characters is
 * required (startHttpServer refuses to start without one). On loopback the Host header is
 * checked (DNS rebinding); API calls must be JSON (no cross-site form posts). Static files are
 * served only from the renderer folder, after resolving symlinks; tiles only of open slides.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIPv4, type AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';
import type { ApiEvent } from './contract';
import { ServerBusyError } from '../engine/open-slides';
import { ApiError, httpStatusFor, toErrorBody } from './errors';
import { HEATMAP_ADDRESS, isApiChannel, TILE_ADDRESS } from './schemas';
import type { StudioEngine } from '../engine/studio-engine';
import { CONTENT_SECURITY_POLICY } from './csp';

const MAX_BODY_BYTES = 1024 * 1024;
/** A token shorter than this is guessable over a LAN; serve.ts generates 24 characters. */
export const MIN_TOKEN_LENGTH = 16;
// Keyed by the union, so an event added to the contract must be listed here to compile.
const EVENT_TABLE: Record<ApiEvent, true> = { 'slides:status': true, 'jobs:progress': true, 'train:progress': true, 'train:finished': true };
const EVENT_NAMES = Object.keys(EVENT_TABLE) as ApiEvent[];

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

/**
 * Slide images are patient data: another site must not embed them (<img> across origins, even
 * without reading the pixels), and browsers may keep them only privately.
 */
const IMAGE_HEADERS = {
  'cache-control': 'private, max-age=3600',
  'cross-origin-resource-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
} as const;

export interface HttpServerOptions {
  engine: StudioEngine;
  host: string;
  port: number;
  /** Required from clients when set (always set when host is not loopback). */
  token: string | null;
  staticDir: string;
}

export interface RunningServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/**
 * True for addresses that only this machine can reach. Literal IPs only (and "localhost"): a
 * name such as "127.0.0.1.example.com" starts with "127." but may resolve to any address.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice('::ffff:'.length) : h;
  return isIPv4(v4) && v4.startsWith('127.');
}

/** decodeURIComponent that answers a malformed escape ("%zz", a lone "%") with invalid-request. */
export function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ApiError('invalid-request', 'The request path is not validly percent-encoded');
  }
}

export type StaticLookup = { kind: 'file'; path: string } | { kind: 'missing' } | { kind: 'forbidden'; reason: string };

/**
 * Maps a URL path to a file inside `root`, or says why not. Shared by web mode and Electron's
 * app:// protocol. Refused: malformed escapes, NUL, backslashes (a Windows separator), any ".."
 * segment (before or after decoding), and any path whose real location (symlinks resolved) is
 * outside the real root. Decoding happens once: "%252e%252e" is the literal name "%2e%2e".
 */
export async function resolveStaticPath(root: string, urlPath: string): Promise<StaticLookup> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { kind: 'forbidden', reason: 'malformed percent-encoding' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { kind: 'forbidden', reason: 'NUL or backslash in path' };
  const segments = decoded.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) return { kind: 'forbidden', reason: 'parent-directory segment' };
  const realRoot = await realpath(root).catch(() => resolve(root));
  const candidate = resolve(realRoot, ...segments);
  if (candidate !== realRoot && !candidate.startsWith(realRoot + sep)) return { kind: 'forbidden', reason: 'outside the app' };
  let real: string;
  try {
    real = await realpath(candidate);
  } catch {
    return { kind: 'missing' };
  }
  // A symlink inside the folder that points elsewhere (a build step, a hostile archive) is not ours.
  if (real !== realRoot && !real.startsWith(realRoot + sep)) return { kind: 'forbidden', reason: 'symlink leads outside the app' };
  const info = await stat(real).catch(() => null);
  if (!info || !info.isFile()) return { kind: 'missing' };
  return { kind: 'file', path: real };
}

/** "http://127.0.0.1:5173" -> "127.0.0.1:5173"; anything unparsable -> "" (never allowed). */
function originHost(origin: string): string {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return '';
  }
}

function sameSecret(given: string, expected: string): boolean {
  // Hash both so the comparison is constant-time and length-independent.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

function sendError(res: ServerResponse, error: unknown): void {
  const body = toErrorBody(error);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (error instanceof ServerBusyError) {
    res.setHeader('retry-after', '1');
    sendJson(res, 503, { error: body });
    return;
  }
  sendJson(res, httpStatusFor(body.code), { error: body });
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/json')) {
    throw new ApiError('invalid-request', 'API requests must be JSON (content-type: application/json)');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ApiError('invalid-request', 'Request body is larger than 1 MiB');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError('invalid-request', 'Request body is not valid JSON');
  }
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningServer> {
  const { engine, token } = options;
  if (!isLoopbackHost(options.host) && (!token || token.length < MIN_TOKEN_LENGTH)) {
    throw new Error(`Listening on ${options.host} (reachable from other machines) needs a token of at least ${MIN_TOKEN_LENGTH} characters`);
  }
  // With a token on a non-loopback address the token is the guard, and clients legitimately
  // reach us under names we cannot list (the machine's LAN address, a DNS name), so the Host
  // check would only lock them out. On loopback it stops DNS rebinding.
  const checkHost = isLoopbackHost(options.host);
  const sseClients = new Set<ServerResponse>();
  const unsubscribers = EVENT_NAMES.map((name) =>
    engine.on(name, (payload) => {
      const frame = `event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`;
      for (const client of sseClients) client.write(frame);
    }),
  );

  let allowedHosts: Set<string> = new Set();

  function authorised(req: IncomingMessage, url: URL): boolean {
    if (!token) return true;
    const header = req.headers['x-studio-token'];
    const given = typeof header === 'string' ? header : url.searchParams.get('token');
    return given !== null && sameSecret(given, token);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      throw new ApiError('invalid-request', 'Malformed request path');
    }
    // DNS-rebinding guard: a page on another site that resolves its name to 127.0.0.1 sends
    // its own Host header, which is not one of ours.
    if (checkHost && !allowedHosts.has((req.headers.host ?? '').toLowerCase())) {
      sendJson(res, 403, { error: { code: 'access-denied', message: 'Unknown Host header' } });
      return;
    }
    const path = url.pathname;
    if (path === '/api/health') return sendJson(res, 200, { ok: true });
    // A browser always names the page's origin on cross-origin requests: a page from another
    // site is refused even for requests that need no preflight.
    const origin = req.headers.origin;
    if (checkHost && path.startsWith('/api/') && origin !== undefined && !allowedHosts.has(originHost(origin))) {
      sendJson(res, 403, { error: { code: 'access-denied', message: 'Cross-origin API requests are not allowed' } });
      return;
    }
    if (path.startsWith('/api/') || path.startsWith('/tiles/') || path.startsWith('/associated/') || path.startsWith('/heatmaps/')) {
      if (!authorised(req, url)) {
        sendJson(res, 401, { error: { code: 'access-denied', message: 'A valid token is required' } });
        return;
      }
    }
    if (path === '/api/events' && req.method === 'GET') return openEventStream(res);
    if (path.startsWith('/api/')) return handleApi(req, res, decodePathPart(path.slice('/api/'.length)));
    if (path.startsWith('/tiles/')) return handleTile(res, path);
    if (path.startsWith('/associated/')) return handleAssociated(res, path);
    if (path.startsWith('/heatmaps/')) return handleHeatmap(res, path);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: { code: 'invalid-request', message: 'Method not allowed' } });
      return;
    }
    return serveStatic(res, path);
  }

  function openEventStream(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write(': connected\n\n');
    sseClients.add(res);
    res.on('close', () => sseClients.delete(res));
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, channel: string): Promise<void> {
    if (req.method !== 'POST') throw new ApiError('invalid-request', 'API requests use POST');
    if (!isApiChannel(channel)) throw new ApiError('not-found', `No such API channel: ${channel.slice(0, 80)}`);
    const body = await readJsonBody(req);
    sendJson(res, 200, await engine.handle(channel, body));
  }

  async function handleTile(res: ServerResponse, path: string): Promise<void> {
    const match = /^\/tiles\/([^/]+)\/([^/]+)\/([^/_]+)_([^/.]+)\.([a-z]+)$/.exec(path);
    if (!match) throw new ApiError('not-found', 'Malformed tile address');
    const parsed = TILE_ADDRESS.safeParse({ slideId: match[1], level: match[2], col: match[3], row: match[4], format: match[5] });
    if (!parsed.success) throw new ApiError('invalid-request', 'Malformed tile address');
    const { slideId, level, col, row } = parsed.data;
    // Through OpenSlides: only open slides, file still there, admission-controlled rendering.
    const tile = await engine.openSlides.readTile(slideId, level, col, row);
    if (res.destroyed) return; // the viewer gave up on this tile (panned away)
    res.writeHead(200, { 'content-type': tile.contentType, ...IMAGE_HEADERS, 'content-length': tile.bytes.length });
    res.end(tile.bytes);
  }

  async function handleAssociated(res: ServerResponse, path: string): Promise<void> {
    const match = /^\/associated\/([^/]+)\/([^/]+)\.png$/.exec(path);
    if (!match) throw new ApiError('not-found', 'Malformed associated image address');
    const png = await engine.openSlides.readAssociated(match[1], decodePathPart(match[2]));
    res.writeHead(200, { 'content-type': 'image/png', ...IMAGE_HEADERS });
    res.end(png);
  }

  async function handleHeatmap(res: ServerResponse, path: string): Promise<void> {
    const address = HEATMAP_ADDRESS.safeParse(/^\/heatmaps\/([^/]+)\/([^/.]+)\.png$/.exec(path)?.slice(1, 3) ?? []);
    if (!address.success) throw new ApiError('not-found', 'Malformed heat map address');
    const png = await readFile(engine.review.heatmapFile(address.data[0], address.data[1]));
    res.writeHead(200, { 'content-type': 'image/png', ...IMAGE_HEADERS, 'content-length': png.length });
    res.end(png);
  }

  async function serveStatic(res: ServerResponse, urlPath: string): Promise<void> {
    const root = options.staticDir;
    let lookup = await resolveStaticPath(root, urlPath);
    // Never leave the renderer folder, whatever the encoding of the request path.
    if (lookup.kind === 'forbidden') {
      sendJson(res, 403, { error: { code: 'access-denied', message: `Outside the app (${lookup.reason})` } });
      return;
    }
    if (lookup.kind === 'missing') {
      // Single-page app: unknown paths (and folders) get the app itself.
      lookup = await resolveStaticPath(root, '/index.html');
      if (lookup.kind !== 'file') {
        sendJson(res, 500, { error: { code: 'internal', message: `The renderer is not built: run "npm run build" (looked in ${root})` } });
        return;
      }
    }
    const file = lookup.path;
    const headers: Record<string, string> = {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'x-content-type-options': 'nosniff',
      'cross-origin-resource-policy': 'same-origin',
      // The token may sit in the page's URL (?token=): never send it on as a Referer.
      'referrer-policy': 'no-referrer',
    };
    if (file.endsWith('.html')) {
      headers['content-security-policy'] = CONTENT_SECURITY_POLICY;
      headers['cache-control'] = 'no-store';
    }
    res.writeHead(200, headers);
    createReadStream(file).pipe(res);
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => sendError(res, error));
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolvePromise());
  });
  const port = (server.address() as AddressInfo).port;
  const hostNames = isLoopbackHost(options.host) ? ['127.0.0.1', 'localhost', '[::1]'] : [options.host];
  allowedHosts = new Set(hostNames.map((h) => `${h}:${port}`.toLowerCase()));
  const displayHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${displayHost}:${port}/${token ? `?token=${token}` : ''}`;
  return {
    server,
    url,
    close: async () => {
      unsubscribers.forEach((off) => off());
      for (const client of sseClients) client.end();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
