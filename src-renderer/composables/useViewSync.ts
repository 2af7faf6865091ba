import type OpenSeadragon from 'openseadragon';
import { watch, type ShallowRef } from 'vue';
import { imageToScreen, viewBBox } from '../lib/osd-layer';
import { useGlandStore } from '../stores/glands';
import { useSlideStore } from '../stores/slides';
import { useViewerStore } from '../stores/viewer';

/** Quiet time after the view moves before fetching for it: panning fetches once, not per frame. */
const SETTLE_MS = 150;

/**
 * Keeps the stores in step with the view: the level-0 rectangle on screen (viewer store), and
 * the glands loaded for it (glands:query, with a margin, once the view settles).
 */
export function useViewSync(viewer: Readonly<ShallowRef<OpenSeadragon.Viewer | null>>): void {
  const glands = useGlandStore();
  const slides = useSlideStore();
  const viewerStore = useViewerStore();

  watch(
    () => slides.current?.id ?? null,
    (id) => glands.reset(id),
    { immediate: true },
  );

  watch(
    viewer,
    (v, _old, onCleanup) => {
      if (!v) return;
      let timer: ReturnType<typeof setTimeout> | null = null;
      const settle = () => {
        timer = null;
        const t = imageToScreen(v);
        const slide = slides.current;
        if (!t || !slide) {
          viewerStore.reportView(null);
          return;
        }
        const b = viewBBox(v, t);
        viewerStore.reportView({ x: b[0], y: b[1], width: b[2] - b[0], height: b[3] - b[1] });
        const limit = [0, 0, slide.width, slide.height] as const;
        const clipped = [Math.max(0, b[0]), Math.max(0, b[1]), Math.min(slide.width, b[2]), Math.min(slide.height, b[3])] as const;
        if (clipped[2] > clipped[0] && clipped[3] > clipped[1]) void glands.ensureView(clipped, limit);
      };
      const onChange = () => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(settle, SETTLE_MS);
      };
      v.addHandler('viewport-change', onChange);
      v.addHandler('open', onChange);
      onCleanup(() => {
        v.removeHandler('viewport-change', onChange);
        v.removeHandler('open', onChange);
        if (timer) clearTimeout(timer);
      });
    },
    { immediate: true },
  );
}
