import type OpenSeadragon from 'openseadragon';
import { watch, type Ref, type ShallowRef } from 'vue';
import { drawBrushCursor, drawDraft, drawField, drawGlands, drawVertices } from '../lib/overlay-draw';
import { createLayerCanvas, imageToScreen, viewBBox } from '../lib/osd-layer';
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
 * `data-gland-count` (the end-to-end tests read it).
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
      draw = () => {
        const ratio = layer.fit();
        ctx.setTransform(1, 0, 0, 1, 0, 0);
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        const t = imageToScreen(v);
        let count = 0;
        if (t) {
          ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
          const selected = new Set(editing.selection);
          if (overlay.outlines) count = drawGlands(ctx, glands.visible(viewBBox(v, t)), t, selected);
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
