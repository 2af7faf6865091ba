/**
 * The one contract between the renderer and the engine (main process).
 *
 * Types only: the renderer imports this file (type-only), so it must never import runtime
 * code. Both transports carry exactly these channels:
 *   - Electron IPC, through the preload bridge (src-main/app/preload.ts);
 *   - HTTP + server-sent events for `semimoe serve` (src-main/api/http.ts).
 * Every request is validated in the main process by the schemas in ./schemas.ts, which are
 * checked against these types at compile time.
 *
 * Coordinates are level-0 pixels everywhere; only the viewer converts.
 */

/** One level of a slide's pyramid as the slide file stores it. */
export interface SlideLevel {
  width: number;
  height: number;
  /** level-0 width / this level's width (may be non-integer and non-power-of-two). */
  downsample: number;
}

/** Whether the file a project remembers is still the file it opened. */
export type SlideFileStatus = 'ok' | 'missing' | 'changed';

export interface SlideInfo {
  /** Stable id of this slide inside the project (derived from its content fingerprint). */
  id: string;
  path: string;
  name: string;
  /** Short reader name: 'aperio-svs' | 'generic-tiff' | 'openslide' | 'image' ... */
  format: string;
  vendor: string;
  width: number;
  height: number;
  levels: SlideLevel[];
  /** Micrometres per pixel at level 0 [x, y], or null when the file does not say. */
  mpp: [number, number] | null;
  objectivePower: number | null;
  associatedImages: string[];
  /** Content fingerprint: sha-256 over size and sampled bytes of the file. */
  fingerprint: string;
  status: SlideFileStatus;
  /** Deep-zoom geometry the viewer uses; tiles are served in this grid. */
  tiles: DeepZoomGeometry;
}

/**
 * The deep-zoom grid tiles are served in: level `maxLevel` is full resolution, each level
 * below halves the size (ceil), level 0 is 1x1. Edge tiles are cropped to the image, as in DZI.
 */
export interface DeepZoomGeometry {
  tileSize: number;
  overlap: number;
  maxLevel: number;
  format: 'jpeg' | 'png';
}

export interface RecentSlide {
  id: string;
  path: string;
  name: string;
  openedAt: string;
  status: SlideFileStatus;
}

export interface AppInfo {
  version: string;
  mode: 'electron' | 'web';
  projectDir: string;
  /** Slide the app should show first (the generated sample on a first start), or null. */
  defaultSlidePath: string | null;
  /** Whether the native open dialog exists (Electron); web mode uses the file browser. */
  nativeDialogs: boolean;
}

export interface DirectoryEntry {
  name: string;
  path: string;
  kind: 'dir' | 'slide' | 'file';
}

export interface DirectoryListing {
  path: string;
  parent: string | null;
  entries: DirectoryEntry[];
}

/** Error codes the renderer can branch on; `message` is always written for a person. */
export type ApiErrorCode =
  | 'invalid-request'
  | 'not-found'
  | 'not-a-file'
  | 'empty-file'
  | 'unsupported-format'
  | 'corrupt-slide'
  | 'too-large'
  | 'missing-library'
  | 'access-denied'
  | 'tile-failed'
  | 'internal';

export interface ApiErrorBody {
  code: ApiErrorCode;
  message: string;
}

/**
 * Request/response pairs, keyed by channel. Channel names are `area:verb`.
 * Adding a channel: add it here, add its schema in schemas.ts, implement it in the engine.
 */
export interface ApiChannels {
  'app:info': { request: Record<string, never>; response: AppInfo };
  'slides:open': { request: { path: string }; response: SlideInfo };
  'slides:get': { request: { id: string }; response: SlideInfo };
  'slides:recent': { request: Record<string, never>; response: RecentSlide[] };
  'slides:close': { request: { id: string }; response: { closed: boolean } };
  'files:list': { request: { path: string | null }; response: DirectoryListing };
  /** Electron only: the native open dialog. Web mode answers null (use files:list). */
  'dialog:openSlide': { request: Record<string, never>; response: string | null };
}

export type ApiChannel = keyof ApiChannels;
export type ApiRequest<C extends ApiChannel> = ApiChannels[C]['request'];
export type ApiResponse<C extends ApiChannel> = ApiChannels[C]['response'];

/** Events pushed from the engine to the renderer (IPC events / server-sent events). */
export interface ApiEvents {
  'slides:status': { id: string; status: SlideFileStatus };
}
export type ApiEvent = keyof ApiEvents;

/**
 * How the renderer reaches tiles. Electron: `slide://tiles/{id}/{level}/{col}_{row}.{ext}`;
 * web: `/tiles/{id}/{level}/{col}_{row}.{ext}`. Both answer the deep-zoom grid of SlideInfo.tiles.
 */
export interface TileAddressing {
  tileUrl(slideId: string, level: number, col: number, row: number, format: DeepZoomGeometry['format']): string;
  associatedImageUrl(slideId: string, name: string): string;
}

/** 'slides:open' -> 'slides' */
type AreaOf<C extends string> = C extends `${infer A}:${string}` ? A : never;
/** 'slides:open' -> 'open' */
type VerbOf<C extends string> = C extends `${string}:${infer V}` ? V : never;
type ChannelsOfArea<A extends string> = Extract<ApiChannel, `${A}:${string}`>;

/**
 * The API as the renderer sees it: `api.slides.open({ path })`. Derived from ApiChannels so the
 * preload bridge, the HTTP client and the engine can never drift apart.
 */
export type StudioRequests = {
  [A in AreaOf<ApiChannel>]: {
    [C in ChannelsOfArea<A> as VerbOf<C>]: (request: ApiRequest<C>) => Promise<ApiResponse<C>>;
  };
};

export interface StudioEventSource {
  /** Subscribe to an engine event; returns the unsubscribe function. */
  on<E extends ApiEvent>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
}

export type StudioApi = StudioRequests & StudioEventSource & { tiles: TileAddressing };

/** Thrown by clients when the engine answers an error; carries the engine's code. */
export interface StudioError extends Error {
  code: ApiErrorCode;
}
