/**
 * The two privileged schemes of the desktop app:
 *   app://studio/...   the built renderer, with the CSP header (no file:// pages)
 *   slide://tiles/...  deep-zoom tiles and associated images of slides the user opened
 * Both only serve what they must: the renderer folder, and slides open in the engine.
 */
import { net, protocol } from 'electron';
import { join, normalize, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CONTENT_SECURITY_POLICY } from '../api/csp';
import { httpStatusFor, toErrorBody } from '../api/errors';
import { readFile } from 'node:fs/promises';
import { HEATMAP_ADDRESS, TILE_ADDRESS } from '../api/schemas';
import type { StudioEngine } from '../engine/studio-engine';

export const APP_ORIGIN = 'app://studio';

/** Must run before the app is ready. */
export function registerSchemes(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    { scheme: 'slide', privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
  ]);
}

function errorResponse(error: unknown): Response {
  const body = toErrorBody(error);
  return new Response(JSON.stringify({ error: body }), {
    status: httpStatusFor(body.code),
    headers: { 'content-type': 'application/json' },
  });
}

export function handleAppProtocol(rendererDir: string): void {
  protocol.handle('app', async (request) => {
    const url = new URL(request.url);
    const relative = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '') || 'index.html';
    const file = join(rendererDir, relative);
    if (!file.startsWith(rendererDir + sep)) return new Response('Forbidden', { status: 403 });
    const response = await net.fetch(pathToFileURL(file).toString());
    if (!file.endsWith('.html')) return response;
    const headers = new Headers(response.headers);
    headers.set('content-security-policy', CONTENT_SECURITY_POLICY);
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
        const address = TILE_ADDRESS.parse({ slideId: parts[0], level: parts[1], col, row, format });
        const slide = engine.servedSlide(address.slideId);
        const tile = await slide.tiler.getTile(address.level, address.col, address.row);
        const type = slide.tiler.geometry.format === 'png' ? 'image/png' : 'image/jpeg';
        return new Response(new Uint8Array(tile), { headers: { 'content-type': type } });
      }
      if (url.host === 'associated' && parts.length === 2) {
        const slide = engine.servedSlide(parts[0]);
        const name = decodeURIComponent(parts[1].replace(/\.png$/, ''));
        if (!slide.source.metadata.associatedImages.includes(name)) return new Response('Not found', { status: 404 });
        return new Response(new Uint8Array(await slide.source.readAssociated(name)), { headers: { 'content-type': 'image/png' } });
      }
      if (url.host === 'heatmaps' && parts.length === 2) {
        const [id, kind] = HEATMAP_ADDRESS.parse([parts[0], parts[1].replace(/\.png$/, '')]);
        const png = await readFile(engine.review.heatmapFile(id, kind));
        return new Response(new Uint8Array(png), { headers: { 'content-type': 'image/png' } });
      }
      return new Response('Not found', { status: 404 });
    } catch (error) {
      return errorResponse(error);
    }
  });
}
