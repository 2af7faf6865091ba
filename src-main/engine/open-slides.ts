import type { SlideSource } from '../slides/types';
import { DeepZoomTiler } from '../slides/deepzoom';

/** A slide the user opened in this session: its reader and the tiler that serves the viewer. */
export interface OpenSlide {
  id: string;
  source: SlideSource;
  tiler: DeepZoomTiler;
}

/**
 * The slides opened in this session, keyed by slide id. Only slides in here are served as
 * tiles: the tile endpoints can never read a file the user did not open.
 */
export class OpenSlides {
  private readonly slides = new Map<string, OpenSlide>();

  get(id: string): OpenSlide | undefined {
    return this.slides.get(id);
  }

  add(id: string, source: SlideSource): OpenSlide {
    const existing = this.slides.get(id);
    if (existing) void existing.source.close();
    const slide: OpenSlide = { id, source, tiler: new DeepZoomTiler(source) };
    this.slides.set(id, slide);
    return slide;
  }

  async remove(id: string): Promise<boolean> {
    const slide = this.slides.get(id);
    if (!slide) return false;
    this.slides.delete(id);
    await slide.source.close();
    return true;
  }

  async closeAll(): Promise<void> {
    const all = [...this.slides.values()];
    this.slides.clear();
    await Promise.allSettled(all.map((s) => s.source.close()));
  }
}
