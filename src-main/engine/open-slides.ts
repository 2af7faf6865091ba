import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { ApiError } from '../api/errors';
import type { SlideSource } from '../slides/types';
import { DeepZoomTiler } from '../slides/deepzoom';

/** A slide the user opened in this session: its reader and the tiler that serves the viewer. */
export interface OpenSlide {
  id: string;
  source: SlideSource;
  tiler: DeepZoomTiler;
}

/** An encoded tile and its media type, as both transports send it. */
export interface ServedTile {
  bytes: Buffer;
  contentType: 'image/jpeg' | 'image/png';
}

/**
 * Refused because too many tiles are already waiting; the transports answer 503 + Retry-After.
 * Its code stays a contract code ('tile-failed') so every client already knows how to show it.
 */
export class ServerBusyError extends ApiError {
  constructor() {
    super('tile-failed', 'The slide server is busy; try again in a moment');
    this.name = 'ServerBusyError';
  }
}

/**
 * Admission control for tile rendering. A tile render allocates its region (256 KiB of RGBA
 * for a 256-px tile) and decoded source tiles before it can answer; a viewer (or a script)
 * asking for 1,000 tiles at once would hold all of that at the same time. Renders past
 * `concurrency` wait in a FIFO queue holding nothing but a callback; past `maxQueued` they are
 * refused at once, so memory is bounded by concurrency, not by the number of requests.
 */
export class RenderGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly concurrency: number,
    readonly maxQueued: number,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxQueued) throw new ServerBusyError();
      await new Promise<void>((admit) => this.waiting.push(admit));
    } else {
      this.running++;
    }
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter (running stays the same), else free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  stats(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }
}

/** How often (ms) a served slide's file is checked for a move, deletion or change. */
const FILE_CHECK_INTERVAL_MS = 1000;

interface FileWatch {
  /** size and mtime when opened; null when the source is not a plain file we can stat. */
  opened: { size: number; mtimeMs: number } | null;
  checkedAt: number;
  /** The last check's verdict (an error to throw), reused within FILE_CHECK_INTERVAL_MS. */
  problem: ApiError | null;
}

/**
 * The slides opened in this session, keyed by slide id. Only slides in here are served as
 * tiles: the tile endpoints can never read a file the user did not open.
 */
export class OpenSlides {
  private readonly slides = new Map<string, OpenSlide>();
  private readonly watches = new Map<string, FileWatch>();
  /** Twice the cores: sharp decodes on libuv's threads, and a little queueing keeps them busy. */
  readonly gate = new RenderGate(Math.max(4, 2 * availableParallelism()), 4096);

  get(id: string): OpenSlide | undefined {
    return this.slides.get(id);
  }

  /** Ids of the open slides (for diagnostics and tests). */
  ids(): string[] {
    return [...this.slides.keys()];
  }

  add(id: string, source: SlideSource): OpenSlide {
    const existing = this.slides.get(id);
    if (existing) void existing.source.close();
    // The file's own JPEG tile grid where it has one (Aperio: 240 px): full-resolution tiles
    // are then passed through without decoding (bench/tiles.ts: ~0.02x OpenSlide's time).
    const slide: OpenSlide = { id, source, tiler: new DeepZoomTiler(source, { tileSize: 'native' }) };
    this.slides.set(id, slide);
    let opened: FileWatch['opened'] = null;
    try {
      const info = statSync(source.path);
      opened = { size: info.size, mtimeMs: info.mtimeMs };
    } catch {
      opened = null;
    }
    this.watches.set(id, { opened, checkedAt: 0, problem: null });
    return slide;
  }

  async remove(id: string): Promise<boolean> {
    const slide = this.slides.get(id);
    if (!slide) return false;
    this.slides.delete(id);
    this.watches.delete(id);
    await slide.source.close();
    return true;
  }

  async closeAll(): Promise<void> {
    const all = [...this.slides.values()];
    this.slides.clear();
    this.watches.clear();
    await Promise.allSettled(all.map((s) => s.source.close()));
  }

  /** The open slide, or the same 'not-found' the engine gives for a slide that is not open. */
  served(id: string): OpenSlide {
    const slide = this.slides.get(id);
    if (!slide) throw new ApiError('not-found', 'This slide is not open; open it first');
    return slide;
  }

  /**
   * One Deep Zoom tile of an open slide, for either transport. The file is checked first: a
   * reader keeps its file handle, so on Linux it could go on serving a deleted or replaced file
   * from the old inode; the pathologist must learn that the slide is gone instead, and the
   * renderer's slides:get then reports 'missing' or 'changed'.
   */
  async readTile(id: string, level: number, col: number, row: number): Promise<ServedTile> {
    const slide = this.served(id);
    await this.checkFile(id, slide);
    const bytes = await this.gate.run(() => slide.tiler.getTile(level, col, row));
    return { bytes, contentType: slide.tiler.geometry.format === 'png' ? 'image/png' : 'image/jpeg' };
  }

  /** A label, macro or thumbnail image of an open slide, as PNG. */
  async readAssociated(id: string, name: string): Promise<Buffer> {
    const slide = this.served(id);
    if (!slide.source.metadata.associatedImages.includes(name)) throw new ApiError('not-found', `No associated image "${name.slice(0, 80)}"`);
    await this.checkFile(id, slide);
    return this.gate.run(() => slide.source.readAssociated(name));
  }

  private async checkFile(id: string, slide: OpenSlide): Promise<void> {
    const watch = this.watches.get(id);
    if (!watch || !watch.opened) return;
    const now = Date.now();
    if (now - watch.checkedAt >= FILE_CHECK_INTERVAL_MS || watch.problem) {
      watch.checkedAt = now;
      watch.problem = await fileProblem(slide.source.path, watch.opened);
    }
    if (watch.problem) throw watch.problem;
  }
}

async function fileProblem(path: string, opened: { size: number; mtimeMs: number }): Promise<ApiError | null> {
  let info;
  try {
    info = await stat(path);
  } catch {
    return new ApiError('not-found', `The slide file was moved or deleted after it was opened (${path}). Put it back or open it from its new place.`);
  }
  if (info.size !== opened.size || info.mtimeMs !== opened.mtimeMs) {
    return new ApiError('conflict', `The slide file changed on disk after it was opened (${path}). Open it again to see the new version.`);
  }
  return null;
}
