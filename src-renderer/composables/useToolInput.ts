import type OpenSeadragon from 'openseadragon';
import { ref, shallowRef, watch, type Ref, type ShallowRef } from 'vue';
import type { Point } from '../../src-main/api/contract';
import { imageToScreen, screenToImage } from '../lib/osd-layer';
import { useEditingStore } from '../stores/editing';
import { useGlandStore } from '../stores/glands';
import { useNoticeStore } from '../stores/notices';
import { useSlideStore } from '../stores/slides';
import { strokeOutline } from '../tools/brush';
import { ringFromFreehand, splitLine } from '../tools/draw';
import { hitTest } from '../tools/geometry';
import { insertVertex, moveVertex, nearestVertex } from '../tools/vertices';
import type { PointerPosition } from './useGlandOverlay';

/** How near (CSS px) the pointer must be to a vertex or an edge to take it. */
const PICK_PX = 8;
/** Freehand paths keep points that matter at this many screen pixels. */
const FREEHAND_TOLERANCE_PX = 1.5;

type Gesture =
  | { kind: 'vertex'; glandId: string; moved: boolean }
  | { kind: 'brush' | 'freehand' | 'split' };

/**
 * The editing tools' pointer handling, on OpenSeadragon's own canvas events. A press that
 * starts a tool gesture (painting, drawing, dragging a vertex) marks every drag event of it
 * `preventDefaultAction`, so the viewer does not pan under the tool; any other press pans
 * as usual, and the wheel always zooms. Returns where the pointer is, for the brush cursor.
 */
export function useToolInput(viewer: Readonly<ShallowRef<OpenSeadragon.Viewer | null>>): Readonly<Ref<PointerPosition>> {
  const editing = useEditingStore();
  const glands = useGlandStore();
  const notices = useNoticeStore();
  const pointer = shallowRef<PointerPosition>(null);
  const gestureActive = ref(false);

  watch(
    () => useSlideStore().currentId,
    () => editing.reset(),
  );

  watch(
    viewer,
    (v, _old, onCleanup) => {
      if (!v) return;
      let gesture: Gesture | null = null;
      /** A gesture just ended: the click OpenSeadragon raises after the release is part of it. */
      let swallowClick = false;

      const at = (position: OpenSeadragon.Point): { p: Point; scale: number } | null => {
        const t = imageToScreen(v);
        return t ? { p: screenToImage(t, position.x, position.y), scale: t.scale } : null;
      };
      const glandAt = (p: Point) => {
        const r = 1;
        return hitTest(glands.visible([p[0] - r, p[1] - r, p[0] + r, p[1] + r]), p);
      };

      function onPress(e: OpenSeadragon.CanvasPressEvent): void {
        swallowClick = false;
        const hit = at(e.position);
        if (!hit) return;
        const { p, scale } = hit;
        const alt = Boolean((e.originalEvent as MouseEvent).altKey);
        switch (editing.tool) {
          case 'move': {
            const g = editing.selected.length === 1 ? editing.selected[0] : null;
            const ref = g ? nearestVertex(g.polygons, p, PICK_PX / scale) : null;
            if (!g || !ref) return;
            gesture = { kind: 'vertex', glandId: g.id, moved: false };
            editing.draft = { kind: 'vertex', glandId: g.id, polygons: g.polygons, ref };
            break;
          }
          case 'brush':
            gesture = { kind: 'brush' };
            editing.draft = { kind: 'brush', points: [p], radius: editing.brushSizePx / 2 / scale, erase: alt !== editing.eraseMode };
            break;
          case 'freehand':
            gesture = { kind: 'freehand' };
            editing.draft = { kind: 'freehand', points: [p] };
            break;
          case 'split':
            gesture = { kind: 'split' };
            editing.draft = { kind: 'split', points: [p] };
            break;
          default:
            return;
        }
        gestureActive.value = true;
      }

      function onDrag(e: OpenSeadragon.CanvasDragEvent): void {
        if (!gesture) return;
        e.preventDefaultAction = true; // the tool has this drag, not the viewer's pan
        const hit = at(e.position);
        const d = editing.draft;
        if (!hit || !d) return;
        if (d.kind === 'vertex' && gesture.kind === 'vertex') {
          gesture.moved = true;
          editing.draft = { ...d, polygons: moveVertex(d.polygons, d.ref, hit.p) };
        } else if (d.kind === 'brush' || d.kind === 'freehand' || d.kind === 'split') {
          d.points.push(hit.p);
          editing.draft = { ...d };
        }
        pointer.value = { x: e.position.x, y: e.position.y };
      }

      function onRelease(): void {
        const g = gesture;
        gesture = null;
        gestureActive.value = false;
        if (!g) return;
        swallowClick = true;
        finish(g);
      }

      function finish(g: Gesture): void {
        const d = editing.draft;
        const t = imageToScreen(v!);
        if (!d || !t) return;
        if (g.kind === 'vertex' && d.kind === 'vertex') {
          if (!g.moved) {
            editing.draft = null;
            return;
          }
          void editing.commitDraft({ kind: 'reshape', id: d.glandId, polygons: d.polygons }, 'Moving a vertex');
        } else if (d.kind === 'brush') {
          const stroke = strokeOutline(d.points, d.radius);
          if (!stroke) {
            editing.draft = null;
            return;
          }
          if (d.erase) {
            void editing.commitDraft({ kind: 'brush-erase', ids: editing.selection.slice(), stroke }, 'Erasing with the brush');
          } else {
            const id = editing.selection.length === 1 ? editing.selection[0] : null;
            void editing.commitDraft({ kind: 'brush-add', id, stroke }, 'Painting with the brush');
          }
        } else if (d.kind === 'freehand') {
          const result = ringFromFreehand(d.points, FREEHAND_TOLERANCE_PX / t.scale);
          if ('error' in result) {
            editing.draft = null;
            notices.info(result.error);
            return;
          }
          void editing.commitDraft({ kind: 'create', polygons: [result.polygon] }, 'Drawing freehand');
        } else if (d.kind === 'split') {
          const line = splitLine(d.points, 1 / t.scale);
          const mid = d.points[Math.floor(d.points.length / 2)];
          const id = editing.selection.length === 1 ? editing.selection[0] : mid ? glandAt(mid)?.id : undefined;
          if (!line || !id) {
            editing.draft = null;
            notices.info(!line ? 'Drag a line across the gland to split it.' : 'Select the gland to split first, or draw the line across it.');
            return;
          }
          void editing.commitDraft({ kind: 'split', id, line }, 'Splitting a gland');
        }
      }

      function onClick(e: OpenSeadragon.CanvasClickEvent): void {
        if (swallowClick) {
          swallowClick = false;
          e.preventDefaultAction = true;
          return;
        }
        if (!e.quick) return;
        const hit = at(e.position);
        if (!hit) return;
        if (editing.tool === 'select' || editing.tool === 'move') {
          // With M, clicks on the selected gland's outline belong to it (a double-click there
          // inserts a vertex): they must not select whatever lies just outside the edge.
          const sel = editing.tool === 'move' && editing.selected.length === 1 ? editing.selected[0] : null;
          if (sel && insertVertex(sel.polygons, hit.p, PICK_PX / hit.scale)) {
            e.preventDefaultAction = true;
            return;
          }
          const g = glandAt(hit.p);
          editing.select(g ? [g.id] : [], e.shift && Boolean(g));
          e.preventDefaultAction = true;
        } else if (editing.tool === 'polygon') {
          const d = editing.draft;
          const points = d?.kind === 'polygon' ? [...d.points, hit.p] : [hit.p];
          editing.draft = { kind: 'polygon', points, cursor: null };
          e.preventDefaultAction = true;
        }
      }

      function onDoubleClick(e: OpenSeadragon.CanvasDoubleClickEvent): void {
        if (editing.tool === 'select') return; // the viewer zooms in, as before
        e.preventDefaultAction = true;
        const hit = at(e.position);
        if (!hit) return;
        if (editing.tool === 'polygon') {
          void editing.finishPolygon();
        } else if (editing.tool === 'move' && editing.selected.length === 1) {
          const g = editing.selected[0];
          const inserted = insertVertex(g.polygons, hit.p, PICK_PX / hit.scale);
          if (inserted) void editing.apply({ kind: 'reshape', id: g.id, polygons: inserted.polygons }, 'Adding a vertex');
        }
      }

      function onPointerMove(event: PointerEvent): void {
        const box = v!.canvas.getBoundingClientRect();
        const x = event.clientX - box.left;
        const y = event.clientY - box.top;
        if (editing.tool === 'brush' || (editing.tool === 'polygon' && editing.draft)) pointer.value = { x, y };
        if (gesture) return;
        const t = imageToScreen(v!);
        if (!t) return;
        const p = screenToImage(t, x, y);
        if (editing.tool === 'move' && editing.selected.length === 1) {
          const g = editing.selected[0];
          const ref = nearestVertex(g.polygons, p, PICK_PX / t.scale);
          const current = editing.hoveredVertex;
          const same = current && ref && current.glandId === g.id && current.ref.polygon === ref.polygon && current.ref.ring === ref.ring && current.ref.index === ref.index;
          if (!same && (current || ref)) editing.hoveredVertex = ref ? { glandId: g.id, ref } : null;
          v!.canvas.style.cursor = ref ? 'move' : '';
        } else if (editing.tool === 'polygon' && editing.draft?.kind === 'polygon') {
          editing.draft = { ...editing.draft, cursor: p };
        }
      }
      const onPointerLeave = () => {
        pointer.value = null;
      };

      v.addHandler('canvas-press', onPress);
      v.addHandler('canvas-drag', onDrag);
      v.addHandler('canvas-release', onRelease);
      v.addHandler('canvas-click', onClick);
      v.addHandler('canvas-double-click', onDoubleClick);
      v.canvas.addEventListener('pointermove', onPointerMove);
      v.canvas.addEventListener('pointerleave', onPointerLeave);
      onCleanup(() => {
        v.removeHandler('canvas-press', onPress);
        v.removeHandler('canvas-drag', onDrag);
        v.removeHandler('canvas-release', onRelease);
        v.removeHandler('canvas-click', onClick);
        v.removeHandler('canvas-double-click', onDoubleClick);
        v.canvas.removeEventListener('pointermove', onPointerMove);
        v.canvas.removeEventListener('pointerleave', onPointerLeave);
      });
    },
    { immediate: true },
  );

  // The pointer shows the tool: a crosshair while drawing tools are up.
  watch(
    [() => editing.tool, viewer],
    ([tool, v]) => {
      if (v) v.canvas.style.cursor = tool === 'select' || tool === 'move' ? '' : 'crosshair';
    },
    { immediate: true },
  );

  return pointer;
}
