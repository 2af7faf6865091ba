import { EventEmitter } from 'node:events';
import { basename, resolve } from 'node:path';
import type {
  ApiChannel,
  ApiEvent,
  ApiEvents,
  ApiRequest,
  ApiResponse,
  AppInfo,
  RecentSlide,
  SlideFileStatus,
  SlideInfo,
} from '../api/contract';
import { exportGeoJson, importGeoJson } from '../annotations/geojson';
import { AnnotationStore } from '../annotations/store';
import { ApiError } from '../api/errors';
import { REQUEST_SCHEMAS } from '../api/schemas';
import { fingerprintFile } from '../project/fingerprint';
import { ProjectStore, type StoredSlide } from '../project/store';
import { openSlide } from '../slides/registry';
import { listDirectory } from './file-browser';
import { ModelRegistry } from './model-registry';
import { ReviewService, type HeatmapKind } from './review-service';
import { RetrainService, type RetrainOptions } from '../retrain/retrain-service';
import { OpenSlides, type OpenSlide } from './open-slides';
import { packageVersion } from './paths';

export interface EngineOptions {
  projectDir: string;
  mode: AppInfo['mode'];
  /** The slide shown on a first start (the generated sample), or null. */
  defaultSlidePath?: string | null;
  /** The native open dialog (Electron); absent in web mode. */
  chooseSlideFile?: () => Promise<string | null>;
  /** Retraining's backend, seed and trainer options (tests; the app uses the defaults). */
  retrain?: RetrainOptions;
}

type Handlers = { [C in ApiChannel]: (request: ApiRequest<C>) => Promise<ApiResponse<C>> };

/**
 * Heat maps are served beside the tiles: slide://heatmaps/... in Electron, /heatmaps/... in
 * web mode (both check that the prediction's slide is open).
 */
function heatmapUrl(mode: AppInfo['mode'], predictionId: string, kind: HeatmapKind): string {
  const path = `heatmaps/${predictionId}/${kind}.png`;
  return mode === 'electron' ? `slide://${path}` : `/${path}`;
}

/** How many characters of the fingerprint make a slide id: 64 bits, plenty for one project. */
const SLIDE_ID_LENGTH = 16;

/**
 * The engine behind the contract: one implementation, carried by both transports (IPC and
 * HTTP). It owns the project store and the open slides; transports only validate and forward.
 */
export class StudioEngine {
  readonly store: ProjectStore;
  readonly openSlides = new OpenSlides();
  readonly glands: AnnotationStore;
  readonly models: ModelRegistry;
  readonly review: ReviewService;
  readonly retrain: RetrainService;
  private readonly events = new EventEmitter();
  private readonly handlers: Handlers;

  constructor(private readonly options: EngineOptions) {
    this.store = new ProjectStore(options.projectDir);
    this.glands = new AnnotationStore(this.store.db);
    this.models = new ModelRegistry(this.store.db, options.projectDir);
    this.review = new ReviewService({
      db: this.store.db,
      projectDir: options.projectDir,
      glands: this.glands,
      models: this.models,
      openSlide: (slideId) => {
        const slide = this.servedSlide(slideId);
        return { source: slide.source, path: slide.source.path };
      },
      heatmapUrl: (id, kind) => heatmapUrl(options.mode, id, kind),
      progress: (event) => this.emit('jobs:progress', event),
    });
    this.retrain = new RetrainService({
      db: this.store.db,
      projectDir: options.projectDir,
      glands: this.glands,
      fields: this.review.fields,
      models: this.models,
      slidePath: (slideId) => this.store.getSlide(slideId)?.path ?? null,
      onProgress: (p) => this.emit('train:progress', p),
      onFinished: (f) => this.emit('train:finished', f),
      options: options.retrain,
    });
    this.handlers = {
      'app:info': async () => this.appInfo(),
      'slides:open': async ({ path }) => this.open(path),
      'slides:get': async ({ id }) => this.get(id),
      'slides:recent': async () => this.recent(),
      'slides:close': async ({ id }) => ({ closed: await this.openSlides.remove(id) }),
      'files:list': async ({ path }) => listDirectory(path),
      'dialog:openSlide': async () => (this.options.chooseSlideFile ? this.options.chooseSlideFile() : null),
      'glands:query': async ({ slideId, region }) => this.glands.query(slideId, region),
      'glands:edit': async ({ slideId, edit }) => this.glands.apply(slideId, edit),
      'glands:undo': async ({ slideId }) => this.glands.undo(slideId),
      'glands:redo': async ({ slideId }) => this.glands.redo(slideId),
      'glands:exportGeoJson': async ({ slideId }) => exportGeoJson(this.glands, slideId),
      'glands:importGeoJson': async ({ slideId, geojson }) => ({ imported: importGeoJson(this.glands, slideId, geojson).imported }),
      'predict:region': async ({ slideId, region }) => this.review.predictRegion(slideId, region),
      'predict:tissue': async ({ slideId }) => this.review.predictTissue(slideId),
      'predict:cancel': async () => ({ cancelled: this.review.cancel() }),
      'queue:build': async ({ slideId, fieldSizeUm, maxFields }) => this.review.buildQueue(slideId, fieldSizeUm, maxFields),
      'queue:list': async ({ slideId }) => this.review.listQueue(slideId),
      'fields:markDone': async ({ fieldId, acceptProposed }) => this.review.markDone(fieldId, acceptProposed),
      'models:list': async () => {
        await this.models.ensureStarter();
        return this.models.list();
      },
      'models:activate': async ({ id }) => {
        await this.models.verify(id);
        this.models.activate(id);
        return this.models.list();
      },
      'train:start': async ({ budgetSeconds }) => this.retrain.start(budgetSeconds),
      'train:cancel': async () => ({ cancelled: this.retrain.cancel() }),
      'train:status': async () => this.retrain.status(),
    };
  }

  /**
   * Validates a request from either transport and runs it. Throws ApiError('invalid-request')
   * naming the first problem when the request does not match the channel's schema.
   */
  async handle<C extends ApiChannel>(channel: C, rawRequest: unknown): Promise<ApiResponse<C>> {
    const parsed = REQUEST_SCHEMAS[channel].safeParse(rawRequest ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? ` at "${issue.path.join('.')}"` : '';
      throw new ApiError('invalid-request', `Invalid request for ${channel}${where}: ${issue?.message ?? 'malformed'}`);
    }
    const handler = this.handlers[channel] as (request: ApiRequest<C>) => Promise<ApiResponse<C>>;
    return handler(parsed.data as ApiRequest<C>);
  }

  on<E extends ApiEvent>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
    this.events.on(event, listener);
    return () => this.events.off(event, listener);
  }

  private emit<E extends ApiEvent>(event: E, payload: ApiEvents[E]): void {
    this.events.emit(event, payload);
  }

  /** The open slide for a tile request; only slides opened in this session are served. */
  servedSlide(id: string): OpenSlide {
    const slide = this.openSlides.get(id);
    if (!slide) throw new ApiError('not-found', 'This slide is not open; open it first');
    return slide;
  }

  async close(): Promise<void> {
    // The retraining run first: it must end (and stop registering) before the database closes.
    await this.retrain.close();
    await this.review.close();
    await this.openSlides.closeAll();
    this.store.close();
  }

  private appInfo(): AppInfo {
    return {
      version: packageVersion(),
      mode: this.options.mode,
      projectDir: this.options.projectDir,
      defaultSlidePath: this.options.defaultSlidePath ?? null,
      nativeDialogs: Boolean(this.options.chooseSlideFile),
    };
  }

  private async open(rawPath: string): Promise<SlideInfo> {
    const path = resolve(rawPath);
    // The reader first: it gives the precise error for a missing, empty or unsupported file.
    const source = await openSlide(path);
    let fileFacts;
    try {
      fileFacts = await fingerprintFile(path);
    } catch (error) {
      await source.close();
      throw error;
    }
    const id = fileFacts.fingerprint.slice(0, SLIDE_ID_LENGTH);
    const now = new Date().toISOString();
    const known = this.store.getSlide(id);
    const { metadata } = source;
    this.store.upsertSlide({
      id,
      path,
      name: basename(path),
      fingerprint: fileFacts.fingerprint,
      fileSize: fileFacts.size,
      fileMtime: fileFacts.mtimeMs,
      width: metadata.width,
      height: metadata.height,
      format: metadata.format,
      addedAt: known?.addedAt ?? now,
      openedAt: now,
    });
    const slide = this.openSlides.add(id, source);
    return this.describe(slide, path, fileFacts.fingerprint, 'ok');
  }

  private async get(id: string): Promise<SlideInfo> {
    const stored = this.store.getSlide(id);
    const slide = this.openSlides.get(id);
    if (!stored || !slide) throw new ApiError('not-found', 'This slide is not open; open it first');
    const status = await this.fileStatus(stored);
    return this.describe(slide, stored.path, stored.fingerprint, status);
  }

  private async recent(): Promise<RecentSlide[]> {
    const stored = this.store.recentSlides();
    return Promise.all(
      stored.map(async (s) => ({ id: s.id, path: s.path, name: s.name, openedAt: s.openedAt, status: await this.fileStatus(s) })),
    );
  }

  /**
   * Whether the remembered file is still there and still the same content. The cheap checks
   * (exists, size, mtime) come first; the fingerprint is recomputed only when they disagree.
   */
  private async fileStatus(stored: StoredSlide): Promise<SlideFileStatus> {
    let facts;
    try {
      facts = await fingerprintFile(stored.path);
    } catch {
      return this.reportStatus(stored.id, 'missing');
    }
    return this.reportStatus(stored.id, facts.fingerprint === stored.fingerprint ? 'ok' : 'changed');
  }

  private reportStatus(id: string, status: SlideFileStatus): SlideFileStatus {
    if (status !== 'ok') this.emit('slides:status', { id, status });
    return status;
  }

  private describe(slide: OpenSlide, path: string, fingerprint: string, status: SlideFileStatus): SlideInfo {
    const m = slide.source.metadata;
    return {
      id: slide.id,
      path,
      name: basename(path),
      format: m.format,
      vendor: m.vendor,
      width: m.width,
      height: m.height,
      levels: m.levels.map((l) => ({ width: l.width, height: l.height, downsample: l.downsample })),
      mpp: m.mpp,
      objectivePower: m.objectivePower,
      associatedImages: m.associatedImages,
      fingerprint,
      status,
      tiles: slide.tiler.geometry,
    };
  }
}
