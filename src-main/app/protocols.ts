/**
 * The two privileged schemes of the desktop app:
 *   app://studio/...   the built renderer, with the CSP header (no file:// pages)
 *   slide://tiles/...  deep-zoom tiles and associated images of slides the user opened
 * Both only serve what they must: the renderer folder (symlinks resolved, no traversal), and
 * slides open in the engine (through OpenSlides, as web mode does).
 */
import { net, protocol } from 'electron';
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { CONTENT_SECURITY_POLICY } from '../api/csp';
import { ApiError, httpStatusFor, toErrorBody } from '../api/errors';
import { decodePathPart, resolveStaticPath } from '../api/http';
import { HEATMAP_ADDRESS, TILE_ADDRESS } from '../api/schemas';
import { ServerBusyError } from '../engine/open-slides';
import type { StudioEngine } from '../engine/studio-engine';
import { APP_HOST, APP_ORIGIN } from './ipc-handler';

export { APP_ORIGIN };

/** Must run before the app is ready. */
export function registerSchemes(): void {
  protocol.registerSchemesAsPrivileged([
    // No bypassCSP, no corsEnabled: these schemes get no more than an https origin would.
    { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    { scheme: 'slide', privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
  ]);
}

function errorResponse(error: unknown): Response {
  const body = toErrorBody(error);
  const busy = error instanceof ServerBusyError;
  return new Response(JSON.stringify({ error: body }), {
    status: busy ? 503 : httpStatusFor(body.code),
    headers: { 'content-type': 'application/json', ...(busy ? { 'retry-after': '1' } : {}) },
  });
}

export function handleAppProtocol(rendererDir: string): void {
  protocol.handle('app', async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return new Response('Not found', { status: 404 });
    const lookup = await resolveStaticPath(rendererDir, url.pathname === '/' ? '/index.html' : url.pathname);
    if (lookup.kind === 'forbidden') return new Response('Forbidden', { status: 403 });
    if (lookup.kind === 'missing') return new Response('Not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(lookup.path).toString());
    const headers = new Headers(response.headers);
    headers.set('x-content-type-options', 'nosniff');
    if (lookup.path.endsWith('.html')) headers.set('content-security-policy', CONTENT_SECURITY_POLICY);
    return new Response(response.body, { status: response.status, headers });
  });
}

export function handleSlideProtocol(engine: StudioEngine): void {
  protocol.handle('slide', async (request) => {
    try {
      const url = new URL(request.url);
      const parts = url.pathname.split('/').filter(Boolean);
      if (url.host === 'tiles' && parts.length === 3) {
        const [col, rowAndExt] = parts[2].split('_');
        const [row, format] = (rowAndExt ?? '').split('.');
        const parsed = TILE_ADDRESS.safeParse({ slideId: parts[0], level: parts[1], col, row, format });
        if (!parsed.success) throw new ApiError('invalid-request', 'Malformed tile address');
        const address = parsed.data;
        // Same path as web mode: only open slides, file still present, admission-controlled.
        const tile = await engine.openSlides.readTile(address.slideId, address.level, address.col, address.row);
        return new Response(new Uint8Array(tile.bytes), { headers: { 'content-type': tile.contentType } });
      }
      if (url.host === 'associated' && parts.length === 2) {
        const name = decodePathPart(parts[1].replace(/\.png$/, ''));
        const png = await engine.openSlides.readAssociated(parts[0], name);
        return new Response(new Uint8Array(png), { headers: { 'content-type': 'image/png' } });
      }
      if (url.host === 'heatmaps' && parts.length === 2) {
        // heatmapFile checks that the prediction's slide is open.
        const parsed = HEATMAP_ADDRESS.safeParse([parts[0], parts[1].replace(/\.png$/, '')]);
        if (!parsed.success) throw new ApiError('not-found', 'Malformed heat map address');
        const [id, kind] = parsed.data;
        const png = await readFile(engine.review.heatmapFile(id, kind));
        return new Response(new Uint8Array(png), { headers: { 'content-type': 'image/png' } });
      }
      return new Response('Not found', { status: 404 });
    } catch (error) {
      return errorResponse(error);
    }
  });
}
