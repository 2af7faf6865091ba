/**
 * The client side of the contract (src-main/api/contract.ts): one `StudioApi`, whichever
 * transport carries it. The rest of the renderer gets the api from `createStudioApi()` and
 * never learns which transport it has.
 *
 *   Electron  the preload bridge exposes `window.studio`, already shaped as the contract; the
 *             client only wraps it so errors become StudioErrors (the bridge packs the code
 *             into the message as "[code] message": extra Error properties do not survive it).
 *   Web       `semimoe serve` on the same origin: POST /api/{channel} with a JSON body, server-
 *             sent events on GET /api/events, tiles on /tiles/..., associated images on
 *             /associated/.... A `?token=` in the page's URL (serving on a non-loopback
 *             address) goes along as the `x-studio-token` header, and as `?token=` on URLs the
 *             browser fetches by itself (tiles, images, the event stream).
 */
import type {
  ApiChannel,
  ApiErrorCode,
  ApiEvent,
  ApiEvents,
  ApiRequest,
  ApiResponse,
  DeepZoomGeometry,
  StudioApi,
  StudioError,
  TileAddressing,
} from '../src-main/api/contract';

/** What the renderer needs beyond the contract: the transport-specific extras. */
export interface RendererApi extends StudioApi {
  transport: 'electron' | 'web';
  /** The file-system path of a dropped file, or null where the transport cannot know it (web). */
  pathForFile(file: File): string | null;
  /**
   * A URL the engine handed out (heat maps) as the browser must fetch it: web mode adds the
   * `?token=` the page was served with, since an <img> cannot send the token header.
   */
  resourceUrl(url: string): string;
}

const ERROR_CODES: ReadonlySet<string> = new Set<ApiErrorCode>([
  'invalid-request',
  'not-found',
  'not-a-file',
  'empty-file',
  'unsupported-format',
  'corrupt-slide',
  'too-large',
  'missing-library',
  'access-denied',
  'tile-failed',
  'conflict',
  'cancelled',
  'no-model',
  'invalid-geometry',
  'invalid-geojson',
  'disk-full',
  'internal',
]);

export function studioError(code: ApiErrorCode, message: string): StudioError {
  const error = new Error(message) as StudioError;
  error.name = 'StudioError';
  error.code = code;
  return error;
}

export function isStudioError(error: unknown): error is StudioError {
  return error instanceof Error && typeof (error as Partial<StudioError>).code === 'string';
}

/** A message for a person, from anything thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

function asCode(code: unknown): ApiErrorCode {
  return typeof code === 'string' && ERROR_CODES.has(code) ? (code as ApiErrorCode) : 'internal';
}

// ---------------------------------------------------------------------------------------------
// Web transport

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;
type EventSourceFactory = (url: string) => EventSource;

export interface WebClientOptions {
  /** Origin-relative base of the server; '' for the page's own origin. */
  baseUrl?: string;
  token?: string | null;
  fetch?: FetchLike;
  eventSource?: EventSourceFactory;
}

function withToken(url: string, token: string | null): string {
  if (!token) return url;
  return `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
}

/**
 * Turns a non-2xx answer into a StudioError. The server answers `{error:{code,message}}`;
 * anything else (a proxy's HTML page, an empty body) still gives a message a person can act on.
 */
async function errorFromResponse(channel: string, response: Response): Promise<StudioError> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    // The body could not be read: the status line is all there is.
  }
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (body && typeof body.error === 'object' && body.error && typeof body.error.message === 'string') {
      return studioError(asCode(body.error.code), body.error.message);
    }
  } catch {
    // Not JSON: fall through.
  }
  const code: ApiErrorCode = response.status === 401 || response.status === 403 ? 'access-denied' : response.status === 404 ? 'not-found' : 'internal';
  const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  return studioError(code, `The Semi-MoE Studio server answered ${status} to ${channel}`);
}

export function createWebApi(options: WebClientOptions = {}): RendererApi {
  const base = options.baseUrl ?? '';
  const token = options.token ?? null;
  const doFetch: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const openEvents: EventSourceFactory = options.eventSource ?? ((url) => new EventSource(url));

  async function call<C extends ApiChannel>(channel: C, request: ApiRequest<C>): Promise<ApiResponse<C>> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (token) headers['x-studio-token'] = token;
    let response: Response;
    try {
      response = await doFetch(`${base}/api/${encodeURIComponent(channel)}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(request ?? {}),
      });
    } catch (error) {
      throw studioError('internal', `Cannot reach the Semi-MoE Studio server (${errorMessage(error)}). Is \`semimoe serve\` still running?`);
    }
    if (!response.ok) throw await errorFromResponse(channel, response);
    try {
      return (await response.json()) as ApiResponse<C>;
    } catch {
      throw studioError('internal', `The Semi-MoE Studio server sent a malformed answer to ${channel}`);
    }
  }

  // One event stream, opened on the first subscription and closed after the last one ends.
  const listeners = new Map<ApiEvent, Set<(payload: never) => void>>();
  let source: EventSource | null = null;
  const attached = new Set<ApiEvent>();

  function attach(event: ApiEvent): void {
    if (!source || attached.has(event)) return;
    attached.add(event);
    source.addEventListener(event, (message) => {
      let payload: unknown;
      try {
        payload = JSON.parse((message as MessageEvent<string>).data);
      } catch {
        return; // A malformed frame is dropped, not fatal.
      }
      for (const listener of listeners.get(event) ?? []) (listener as (p: unknown) => void)(payload);
    });
  }

  function on<E extends ApiEvent>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    if (!source) {
      // EventSource cannot send headers: the token goes in the query string.
      source = openEvents(withToken(`${base}/api/events`, token));
      attached.clear();
      for (const name of listeners.keys()) attach(name);
    } else {
      attach(event);
    }
    return () => {
      set.delete(listener as (payload: never) => void);
      const remaining = [...listeners.values()].reduce((n, s) => n + s.size, 0);
      if (remaining === 0 && source) {
        source.close();
        source = null;
      }
    };
  }

  const tiles: TileAddressing = {
    tileUrl: (slideId: string, level: number, col: number, row: number, format: DeepZoomGeometry['format']) =>
      withToken(`${base}/tiles/${encodeURIComponent(slideId)}/${level}/${col}_${row}.${format}`, token),
    associatedImageUrl: (slideId: string, name: string) =>
      withToken(`${base}/associated/${encodeURIComponent(slideId)}/${encodeURIComponent(name)}.png`, token),
  };

  return {
    transport: 'web',
    app: { info: (r) => call('app:info', r) },
    slides: {
      open: (r) => call('slides:open', r),
      get: (r) => call('slides:get', r),
      recent: (r) => call('slides:recent', r),
      close: (r) => call('slides:close', r),
    },
    files: { list: (r) => call('files:list', r) },
    dialog: { openSlide: (r) => call('dialog:openSlide', r) },
    glands: {
      query: (r) => call('glands:query', r),
      edit: (r) => call('glands:edit', r),
      undo: (r) => call('glands:undo', r),
      redo: (r) => call('glands:redo', r),
      exportGeoJson: (r) => call('glands:exportGeoJson', r),
      importGeoJson: (r) => call('glands:importGeoJson', r),
    },
    predict: { region: (r) => call('predict:region', r), tissue: (r) => call('predict:tissue', r), cancel: (r) => call('predict:cancel', r) },
    queue: { build: (r) => call('queue:build', r), list: (r) => call('queue:list', r) },
    fields: { markDone: (r) => call('fields:markDone', r) },
    models: { list: (r) => call('models:list', r), activate: (r) => call('models:activate', r) },
    train: { start: (r) => call('train:start', r), cancel: (r) => call('train:cancel', r), status: (r) => call('train:status', r) },
    on,
    tiles,
    pathForFile: () => null,
    resourceUrl: (url) => (url.startsWith('/') ? withToken(`${base}${url}`, token) : url),
  };
}

// ---------------------------------------------------------------------------------------------
// Electron transport

/** Unpacks "[code] message", the form in which the preload bridge carries engine errors. */
export function errorFromBridge(error: unknown): StudioError {
  const message = errorMessage(error);
  const match = /\[([a-z-]+)\]\s*([\s\S]*)$/.exec(message);
  if (match && ERROR_CODES.has(match[1])) return studioError(match[1] as ApiErrorCode, match[2]);
  return studioError('internal', message);
}

export function createElectronApi(bridge: NonNullable<Window['studio']>): RendererApi {
  function wrap<Req, Res>(fn: (request: Req) => Promise<Res>): (request: Req) => Promise<Res> {
    return async (request) => {
      try {
        return await fn(request);
      } catch (error) {
        throw errorFromBridge(error);
      }
    };
  }
  return {
    transport: 'electron',
    app: { info: wrap(bridge.app.info) },
    slides: {
      open: wrap(bridge.slides.open),
      get: wrap(bridge.slides.get),
      recent: wrap(bridge.slides.recent),
      close: wrap(bridge.slides.close),
    },
    files: { list: wrap(bridge.files.list) },
    dialog: { openSlide: wrap(bridge.dialog.openSlide) },
    glands: {
      query: wrap(bridge.glands.query),
      edit: wrap(bridge.glands.edit),
      undo: wrap(bridge.glands.undo),
      redo: wrap(bridge.glands.redo),
      exportGeoJson: wrap(bridge.glands.exportGeoJson),
      importGeoJson: wrap(bridge.glands.importGeoJson),
    },
    predict: { region: wrap(bridge.predict.region), tissue: wrap(bridge.predict.tissue), cancel: wrap(bridge.predict.cancel) },
    queue: { build: wrap(bridge.queue.build), list: wrap(bridge.queue.list) },
    fields: { markDone: wrap(bridge.fields.markDone) },
    models: { list: wrap(bridge.models.list), activate: wrap(bridge.models.activate) },
    train: { start: wrap(bridge.train.start), cancel: wrap(bridge.train.cancel), status: wrap(bridge.train.status) },
    on: (event, listener) => bridge.on(event, listener),
    tiles: bridge.tiles,
    pathForFile: (file) => {
      const path = bridge.pathForFile(file);
      return path ? path : null;
    },
    // Electron's engine hands out URLs of its own privileged protocol: usable as they are.
    resourceUrl: (url) => url,
  };
}

/** The api for this page: Electron's bridge where the preload exposed it, HTTP otherwise. */
export function createStudioApi(): RendererApi {
  if (window.studio) return createElectronApi(window.studio);
  const token = new URLSearchParams(window.location.search).get('token');
  return createWebApi({ token });
}
