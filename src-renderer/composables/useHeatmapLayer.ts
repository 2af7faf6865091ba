import type OpenSeadragon from 'openseadragon';
import { watch, type ShallowRef } from 'vue';
import { createLayerCanvas, imageToScreen } from '../lib/osd-layer';
import { useApi } from './useApi';
import { useNoticeStore } from '../stores/notices';
import { useOverlayStore } from '../stores/overlay';
import { usePredictionStore } from '../stores/prediction';

/**
 * The fused probability and uncertainty heat maps: each prediction's PNGs drawn over the region
 * they cover, below the outlines, at the chosen opacity. A canvas of its own, so that the outline
 * canvas never draws an image from elsewhere (its pixels stay readable).
 */
export function useHeatmapLayer(viewer: Readonly<ShallowRef<OpenSeadragon.Viewer | null>>): void {
  const overlay = useOverlayStore();
  const prediction = usePredictionStore();
  const api = useApi();
  const images = new Map<string, HTMLImageElement>();
  const failed = new Set<string>();

  let draw: (() => void) | null = null;
  let frame = 0;
  function schedule(): void {
    if (frame || !draw) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      draw?.();
    });
  }

  function image(url: string): HTMLImageElement | null {
    if (failed.has(url)) return null;
    let img = images.get(url);
    if (!img) {
      img = new Image();
      img.onload = schedule;
      img.onerror = () => {
        failed.add(url);
        useNoticeStore().error(`A heat map could not be loaded (${url}).`, 'Drawing the heat maps');
      };
      img.src = api.resourceUrl(url);
      images.set(url, img);
    }
    return img.complete && img.naturalWidth > 0 ? img : null;
  }

  watch(
    viewer,
    (v, _old, onCleanup) => {
      if (!v) return;
      const layer = createLayerCanvas(v, 'heatmap-overlay');
      const { canvas, context: ctx } = layer;
      draw = () => {
        const ratio = layer.fit();
        ctx.setTransform(1, 0, 0, 1, 0, 0);
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        const t = imageToScreen(v);
        const kinds = [overlay.probability ? 'probability' : null, overlay.uncertainty ? 'uncertainty' : null].filter(Boolean) as ('probability' | 'uncertainty')[];
        canvas.dataset.layers = kinds.join(' ');
        if (!t || !kinds.length) return;
        ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
        ctx.globalAlpha = overlay.heatmapOpacity;
        // Heat map pixels are model pixels: show them as blocks rather than blurring them.
        ctx.imageSmoothingEnabled = false;
        for (const summary of prediction.currentSummaries) {
          for (const kind of kinds) {
            const img = image(summary.heatmaps[kind]);
            if (!img) continue;
            const r = summary.region;
            ctx.drawImage(img, t.ox + r.x * t.scale, t.oy + r.y * t.scale, r.width * t.scale, r.height * t.scale);
          }
        }
        ctx.globalAlpha = 1;
      };
      const onViewport = () => draw?.();
      v.addHandler('viewport-change', onViewport);
      v.addHandler('open', schedule);
      schedule();
      onCleanup(() => {
        v.removeHandler('viewport-change', onViewport);
        v.removeHandler('open', schedule);
        if (frame) cancelAnimationFrame(frame);
        frame = 0;
        draw = null;
        layer.destroy();
      });
    },
    { immediate: true },
  );

  watch(() => [overlay.probability, overlay.uncertainty, overlay.heatmapOpacity, prediction.currentSummaries], schedule);
}
