import type OpenSeadragon from 'openseadragon';
import { watch, type Ref, type ShallowRef } from 'vue';
import { drawBrushCursor, drawDraft, drawField, drawGlands, drawVertices } from '../lib/overlay-draw';
import { createLayerCanvas, imageToScreen, viewBBox } from '../lib/osd-layer';
import { OutlineCache, SETTLE_MS } from '../lib/outline-cache';
import type { BBox } from '../lib/spatial-index';
import { useEditingStore } from '../stores/editing';
import { useGlandStore } from '../stores/glands';
import { useOverlayStore } from '../stores/overlay';
import { useReviewStore } from '../stores/review';
import { vertexAt } from '../tools/vertices';

/** Where the pointer is over the viewer (element CSS pixels), for the brush cursor. */
export type PointerPosition = { x: number; y: number } | null;

/**
 * The outline layer: draws the loaded glands that are in view, the selection, the current
 * review field and the drawing in progress, on every viewport change (same frame as the tiles)
 * and whenever what it draws changes. The canvas reports how many glands it drew in
 * `data-gland-count`, the gland store's version it drew in `data-glands-version` (the
 * end-to-end tests read both) and how long the last draw took in `data-draw-ms` (the frame
 * benchmark, bench/overlay-frame.ts, reads it).
 */
export function useGlandOverlay(viewer: Readonly<ShallowRef<OpenSeadragon.Viewer | null>>, pointer: Readonly<Ref<PointerPosition>>): void {
  const glands = useGlandStore();
  const overlay = useOverlayStore();
  const editing = useEditingStore();
  const review = useReviewStore();

  let draw: (() => void) | null = null;
  let frame = 0;
  function schedule(): void {
    if (frame || !draw) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      draw?.();
    });
  }

  watch(
    viewer,
    (v, _old, onCleanup) => {
      if (!v) return;
      const layer = createLayerCanvas(v, 'gland-overlay');
      const { canvas, context: ctx } = layer;
      canvas.dataset.glandCount = '0';
      // The outlines go through a bitmap reused while panning; what moves with the pointer
      // (field, handles, drawing) is cheap and drawn fresh on top every time.
      const outlines = new OutlineCache();
      let sharpenTimer: ReturnType<typeof setTimeout> | undefined;
      draw = () => {
        const started = performance.now();
        const ratio = layer.fit();
        ctx.setTransform(1, 0, 0, 1, 0, 0);
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        const t = imageToScreen(v);
        let count = 0;
        let sharpen = false;
        if (t) {
          ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
          if (overlay.outlines) {
            const size = v.world.getItemAt(0).getContentSize();
            const limit: BBox = [0, 0, size.x, size.y];
            const selected = new Set(editing.selection);
            const content = `${glands.version}|${editing.selection.join(',')}`;
            ctx.setTransform(1, 0, 0, 1, 0, 0);
            const painted = outlines.paint(ctx, t, ratio, viewBBox(v, t), limit, content, (target, local, bbox) => {
              const inside = glands.visible(bbox);
              drawGlands(target, inside, local, selected);
              return inside.map((g) => g.bbox);
            });
            count = painted.count;
            // A zoom frame showed the last bitmap stretched: sharpen it once the zoom holds still.
            if (painted.stretched) sharpen = true;
            ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
          } else {
            outlines.clear();
          }
          if (review.current) drawField(ctx, review.current.region, t);
          const draft = editing.draft;
          if (editing.tool === 'move' && editing.selected.length === 1 && draft?.kind !== 'vertex') {
            const g = editing.selected[0];
            const hovered = editing.hoveredVertex?.glandId === g.id ? vertexAt(g.polygons, editing.hoveredVertex.ref) : null;
            drawVertices(ctx, g.polygons, t, hovered);
          }
          if (draft) drawDraft(ctx, draft, t);
          if (draft?.kind === 'vertex') drawVertices(ctx, draft.polygons, t, vertexAt(draft.polygons, draft.ref));
          if (editing.tool === 'brush' && pointer.value && !draft) {
            drawBrushCursor(ctx, pointer.value.x, pointer.value.y, editing.brushSizePx / 2, editing.eraseMode);
          }
        }
        canvas.dataset.glandCount = String(count);
        canvas.dataset.glandsVersion = String(glands.version);
        canvas.dataset.drawMs = (performance.now() - started).toFixed(3);
        if (sharpen) {
          clearTimeout(sharpenTimer);
          sharpenTimer = setTimeout(schedule, SETTLE_MS);
        }
      };
      // 'viewport-change' comes in the frame that draws the tiles: the outlines move with them.
      const onViewport = () => draw?.();
      v.addHandler('viewport-change', onViewport);
      v.addHandler('open', schedule);
      v.addHandler('close', schedule);
      v.addHandler('resize', schedule);
      schedule();
      onCleanup(() => {
        v.removeHandler('viewport-change', onViewport);
        v.removeHandler('open', schedule);
        v.removeHandler('close', schedule);
        v.removeHandler('resize', schedule);
        if (frame) cancelAnimationFrame(frame);
        frame = 0;
        draw = null;
        clearTimeout(sharpenTimer);
        outlines.clear();
        layer.destroy();
      });
    },
    { immediate: true },
  );

  watch(
    () => [glands.version, overlay.outlines, editing.selection, editing.draft, editing.tool, editing.hoveredVertex, editing.eraseMode, review.current, pointer.value],
    schedule,
  );
}
