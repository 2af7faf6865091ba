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

/** A rectangle in level-0 pixels. */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** [x, y] in level-0 pixels. */
export type Point = [number, number];
/** A linear ring as GeoJSON writes it: closed (last point equals the first), level-0 pixels. */
export type Ring = Point[];
/** GeoJSON Polygon coordinates: the outer ring first (counter-clockwise), then holes (lumens). */
export type PolygonRings = Ring[];

export type GlandStatus = 'proposed' | 'accepted' | 'edited' | 'rejected';

/** One gland annotation. Geometry is a Polygon or MultiPolygon, in level-0 pixels. */
export interface Gland {
  id: string;
  slideId: string;
  /** One or more polygons (MultiPolygon after a union that stays apart). */
  polygons: PolygonRings[];
  className: string;
  source: 'model' | 'human';
  status: GlandStatus;
  modelVersion: string | null;
  /** Mean fused probability inside the gland, 0..1; null for human drawings. */
  confidence: number | null;
  /** Mean uncertainty inside the gland, 0..1 (see inference/uncertainty.ts); null for human drawings. */
  uncertainty: number | null;
  /** [minX, minY, maxX, maxY] */
  bbox: [number, number, number, number];
  updatedAt: string;
}

/** An edit the user makes; the engine applies it as one undoable step. */
export type GlandEdit =
  | { kind: 'set-status'; ids: string[]; status: 'accepted' | 'rejected' }
  /** Replace a gland's geometry (vertex drag, insert, delete). */
  | { kind: 'reshape'; id: string; polygons: PolygonRings[] }
  /** A new human gland (polygon or freehand drawing). */
  | { kind: 'create'; polygons: PolygonRings[] }
  | { kind: 'delete'; ids: string[] }
  /** Brush: union the stroke's outline into `id` (or a new gland when null). */
  | { kind: 'brush-add'; id: string | null; stroke: PolygonRings }
  /** Alt+brush: subtract the stroke's outline from `ids` (every gland it touches when empty). */
  | { kind: 'brush-erase'; ids: string[]; stroke: PolygonRings }
  /** Cut a gland in two along a polyline that crosses it. */
  | { kind: 'split'; id: string; line: Point[] }
  | { kind: 'merge'; ids: string[] }
  | { kind: 'fill-holes'; id: string };

export interface EditResult {
  /** Glands created or changed by this step (their new state). */
  changed: Gland[];
  /** Ids of glands this step removed. */
  removed: string[];
  canUndo: boolean;
  canRedo: boolean;
  /** Label of the step, e.g. 'Brush', 'Accept 3 glands'. */
  label: string;
}

export type FieldStatus = 'queued' | 'done';

/** A review field: a rectangle the pathologist checks; done fields are the labelled data. */
export interface ReviewField {
  id: string;
  slideId: string;
  region: Region;
  split: 'train' | 'validation';
  status: FieldStatus;
  /** Uncertainty score from the last ranking (higher: more worth reviewing); null before ranking. */
  score: number | null;
  /** 1-based position in the queue; null when not ranked. */
  rank: number | null;
}

export interface PredictionSummary {
  slideId: string;
  region: Region;
  modelVersion: string;
  glandCount: number;
  /** Whether the result came from the cache (same model version, same region). */
  cached: boolean;
  /** URLs of the heat maps for this region (served like tiles), drawn over `region`. */
  heatmaps: { probability: string; uncertainty: string };
}

export interface ModelVersionInfo {
  id: string;
  parentId: string | null;
  createdAt: string;
  active: boolean;
  /** e.g. 'starter (GlaS)', 'retrained on 12 fields' */
  description: string;
  /** What it was trained on, for the history panel. */
  trainedOn: { labelledFields: number; unlabelledTiles: number; steps: number; seconds: number } | null;
  metrics: { dice: number | null; iou: number | null; objectF1: number | null };
}

/** Progress of a long job (prediction, training), pushed as an event. */
export interface JobProgress {
  jobId: string;
  kind: 'predict' | 'train';
  /** 0..1 */
  fraction: number;
  message: string;
  etaSeconds: number | null;
}

/** One progress report of a retraining run (the training panel charts these). */
export interface TrainingProgress {
  jobId: string;
  step: number;
  /** Null when the run is bounded by time only. */
  totalSteps: number | null;
  elapsedSeconds: number;
  /** The time budget the run was given. */
  budgetSeconds: number;
  /** Each loss term by name (mask, sdf, bnd, unsup, total...). */
  losses: Record<string, number>;
  /** The adaptive multi-objective loss's learned weights by name. */
  weights: Record<string, number>;
  imagesPerSecond: number;
  etaSeconds: number | null;
  backend: string;
}

/** How a retraining run ended; on success a new (not yet active) model version exists. */
export interface TrainingFinished {
  jobId: string;
  status: 'done' | 'cancelled' | 'failed';
  message: string;
  /** The new version (status 'done'), with its validation metrics. */
  candidate: ModelVersionInfo | null;
  /** The model it started from, with its metrics on the same validation fields. */
  previous: ModelVersionInfo | null;
}

export interface TrainingStatus {
  running: boolean;
  jobId: string | null;
  /** The latest progress of the running job. */
  progress: TrainingProgress | null;
  /** How the last run ended (this session). */
  last: TrainingFinished | null;
  /** What the next run would train on. */
  data: { labelledFields: number; validationFields: number };
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
  | 'conflict'
  | 'cancelled'
  | 'no-model'
  | 'invalid-geometry'
  | 'invalid-geojson'
  /** The disk holding the project is full: nothing was saved, the previous state is intact. */
  | 'disk-full'
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

  /** Glands whose bounding box meets the region (the viewport), deleted ones excluded. */
  'glands:query': { request: { slideId: string; region: Region }; response: Gland[] };
  'glands:edit': { request: { slideId: string; edit: GlandEdit }; response: EditResult };
  'glands:undo': { request: { slideId: string }; response: EditResult };
  'glands:redo': { request: { slideId: string }; response: EditResult };
  /** QuPath-compatible GeoJSON FeatureCollection of the slide's glands (rejected ones left out). */
  'glands:exportGeoJson': { request: { slideId: string }; response: { geojson: string; count: number } };
  /** All or nothing: a malformed file is refused with 'invalid-geojson' and nothing is imported. */
  'glands:importGeoJson': { request: { slideId: string; geojson: string }; response: { imported: number } };

  /** Predict glands in a region with the active model (cached per model version and region). */
  'predict:region': { request: { slideId: string; region: Region }; response: PredictionSummary };
  /**
   * Predict all of the slide's tissue (found on a low-resolution level), region by region, with
   * progress events; regions already predicted by the active model come from the cache.
   */
  'predict:tissue': { request: { slideId: string }; response: PredictionSummary[] };
  'predict:cancel': { request: Record<string, never>; response: { cancelled: boolean } };

  /** Lay out candidate fields over the slide's tissue, predict them and rank them. */
  'queue:build': { request: { slideId: string; fieldSizeUm: number; maxFields: number }; response: ReviewField[] };
  'queue:list': { request: { slideId: string }; response: ReviewField[] };
  /**
   * Mark a field done: its glands become ground truth. Refused with 'conflict' while proposed
   * glands remain inside, unless acceptProposed is true (the user confirmed accepting them all).
   */
  'fields:markDone': { request: { fieldId: string; acceptProposed: boolean }; response: ReviewField };

  'models:list': { request: Record<string, never>; response: ModelVersionInfo[] };
  /** Make a version the active model (also the rollback); returns the updated list. */
  'models:activate': { request: { id: string }; response: ModelVersionInfo[] };

  /**
   * Fine-tune the active model on the done training fields (labelled) and tissue tiles
   * (unlabelled), in the trainer process. Returns at once; progress and the end come as events.
   * Refused with 'conflict' while a run is going, and with 'invalid-request' without done fields.
   */
  'train:start': { request: { budgetSeconds: number }; response: { jobId: string } };
  'train:cancel': { request: Record<string, never>; response: { cancelled: boolean } };
  'train:status': { request: Record<string, never>; response: TrainingStatus };
}

export type ApiChannel = keyof ApiChannels;
export type ApiRequest<C extends ApiChannel> = ApiChannels[C]['request'];
export type ApiResponse<C extends ApiChannel> = ApiChannels[C]['response'];

/** Events pushed from the engine to the renderer (IPC events / server-sent events). */
export interface ApiEvents {
  'slides:status': { id: string; status: SlideFileStatus };
  'jobs:progress': JobProgress;
  'train:progress': TrainingProgress;
  'train:finished': TrainingFinished;
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
