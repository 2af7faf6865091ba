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
 * Safety: listens on 127.0.0.1 by default; on any other address a token is required. The Host
 * header is checked (DNS rebinding) and API calls must be JSON (no cross-site form posts).
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import type { ApiEvent } from './contract';
import { ApiError, httpStatusFor, toErrorBody } from './errors';
import { HEATMAP_ADDRESS, isApiChannel, TILE_ADDRESS } from './schemas';
import type { StudioEngine } from '../engine/studio-engine';
import { CONTENT_SECURITY_POLICY } from './csp';

const MAX_BODY_BYTES = 1024 * 1024;
const EVENT_NAMES: readonly ApiEvent[] = ['slides:status'];

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

export function isLoopbackHost(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

function sendError(res: ServerResponse, error: unknown): void {
  const body = toErrorBody(error);
  if (!res.headersSent) sendJson(res, httpStatusFor(body.code), { error: body });
  else res.destroy();
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
    return req.headers['x-studio-token'] === token || url.searchParams.get('token') === token;
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // DNS-rebinding guard: a page on another site that resolves its name to 127.0.0.1 sends
    // its own Host header, which is not one of ours.
    if (!allowedHosts.has((req.headers.host ?? '').toLowerCase())) {
      sendJson(res, 403, { error: { code: 'access-denied', message: 'Unknown Host header' } });
      return;
    }
    const path = url.pathname;
    if (path === '/api/health') return sendJson(res, 200, { ok: true });
    if (path.startsWith('/api/') || path.startsWith('/tiles/') || path.startsWith('/associated/') || path.startsWith('/heatmaps/')) {
      if (!authorised(req, url)) {
        sendJson(res, 401, { error: { code: 'access-denied', message: 'A valid token is required' } });
        return;
      }
    }
    if (path === '/api/events' && req.method === 'GET') return openEventStream(res);
    if (path.startsWith('/api/')) return handleApi(req, res, decodeURIComponent(path.slice('/api/'.length)));
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
    const slide = engine.servedSlide(slideId);
    const tile = await slide.tiler.getTile(level, col, row);
    const type = slide.tiler.geometry.format === 'png' ? 'image/png' : 'image/jpeg';
    res.writeHead(200, { 'content-type': type, 'cache-control': 'private, max-age=3600', 'content-length': tile.length });
    res.end(tile);
  }

  async function handleAssociated(res: ServerResponse, path: string): Promise<void> {
    const match = /^\/associated\/([^/]+)\/([^/]+)\.png$/.exec(path);
    if (!match) throw new ApiError('not-found', 'Malformed associated image address');
    const slide = engine.servedSlide(match[1]);
    const name = decodeURIComponent(match[2]);
    if (!slide.source.metadata.associatedImages.includes(name)) throw new ApiError('not-found', `No associated image "${name}"`);
    const png = await slide.source.readAssociated(name);
    res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'private, max-age=3600' });
    res.end(png);
  }

  async function handleHeatmap(res: ServerResponse, path: string): Promise<void> {
    const address = HEATMAP_ADDRESS.safeParse(/^\/heatmaps\/([^/]+)\/([^/.]+)\.png$/.exec(path)?.slice(1, 3) ?? []);
    if (!address.success) throw new ApiError('not-found', 'Malformed heat map address');
    const png = await readFile(engine.review.heatmapFile(address.data[0], address.data[1]));
    res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'private, max-age=3600', 'content-length': png.length });
    res.end(png);
  }

  async function serveStatic(res: ServerResponse, urlPath: string): Promise<void> {
    const relative = normalize(decodeURIComponent(urlPath)).replace(/^([/\\])+/, '');
    const root = options.staticDir;
    let file = join(root, relative === '' ? 'index.html' : relative);
    // Never leave the renderer folder, whatever the encoding of the request path.
    if (file !== root && !file.startsWith(root + sep)) {
      sendJson(res, 403, { error: { code: 'access-denied', message: 'Outside the app' } });
      return;
    }
    let info = await stat(file).catch(() => null);
    if (!info || info.isDirectory()) {
      // Single-page app: unknown paths get the app itself.
      file = join(root, 'index.html');
      info = await stat(file).catch(() => null);
      if (!info) {
        sendJson(res, 500, { error: { code: 'internal', message: `The renderer is not built: run "npm run build" (looked in ${root})` } });
        return;
      }
    }
    const headers: Record<string, string> = {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'x-content-type-options': 'nosniff',
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
