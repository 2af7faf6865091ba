import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { EditResult, Gland, GlandEdit, Point, PolygonRings } from '../../src-main/api/contract';
import { errorMessage } from '../api';
import { useApi } from '../composables/useApi';
import { ringFromDrawing } from '../tools/draw';
import { removeVertex, type VertexRef } from '../tools/vertices';
import { useGlandStore } from './glands';
import { useNoticeStore } from './notices';
import { useReviewStore } from './review';
import { useSlideStore } from './slides';
import { useViewerStore } from './viewer';

/** Points closer than this on screen (CSS px) are one point: a double-click's two clicks. */
const SAME_POINT_PX = 3;

export type ToolName = 'select' | 'move' | 'brush' | 'polygon' | 'freehand' | 'split';
export type EditStatus = 'idle' | 'saving' | 'failed';

/** What a tool is in the middle of, drawn by the overlay until it becomes an edit. */
export type Draft =
  | { kind: 'brush'; points: Point[]; radius: number; erase: boolean }
  | { kind: 'polygon'; points: Point[]; cursor: Point | null }
  | { kind: 'freehand'; points: Point[] }
  | { kind: 'split'; points: Point[] }
  | { kind: 'vertex'; glandId: string; polygons: PolygonRings[]; ref: VertexRef };

export const TOOL_LABELS: Record<ToolName, string> = {
  select: 'Select',
  move: 'Move vertices',
  brush: 'Brush',
  polygon: 'Polygon',
  freehand: 'Freehand',
  split: 'Split',
};

/** What to do next with each tool, for the status line. */
export const TOOL_HINTS: Record<ToolName, string> = {
  select: 'click a gland to select it; Shift+click adds to the selection',
  move: 'drag a vertex; double-click an edge to add one; Delete removes the vertex under the pointer',
  brush: 'drag to paint into the selected gland (or a new one); Alt+drag or E erases',
  polygon: 'click the corners; Enter or double-click closes the outline',
  freehand: 'drag around the gland; releasing closes the outline',
  split: 'drag a line across the selected gland',
};

/**
 * The editing tools' state: the active tool, the selection, the drawing in progress, and the
 * edits sent to the engine. Edits go one at a time, in order; each result replaces the glands
 * it touched, so the screen shows what the engine stored.
 */
export const useEditingStore = defineStore('editing', () => {
  const tool = ref<ToolName>('select');
  /** The brush erases without Alt (for window managers that take Alt+drag). */
  const eraseMode = ref(false);
  /** Brush diameter in screen pixels: it feels the same at every zoom. */
  const brushSizePx = ref(24);
  const selection = ref<string[]>([]);
  const draft = shallowRef<Draft | null>(null);
  /** The vertex under the pointer with the move tool (Delete removes it). */
  const hoveredVertex = shallowRef<{ glandId: string; ref: VertexRef } | null>(null);
  const status = ref<EditStatus>('idle');
  /** Null until the engine has said (the history persists across restarts). */
  const canUndo = ref<boolean | null>(null);
  const canRedo = ref<boolean | null>(null);
  const lastLabel = ref<string | null>(null);
  const helpVisible = ref(false);

  let chain: Promise<unknown> = Promise.resolve();
  let pending = 0;

  const selected = computed<Gland[]>(() => {
    void useGlandStore().version; // selection details follow the stored geometry
    const glands = useGlandStore();
    return selection.value.map((id) => glands.get(id)).filter((g): g is Gland => Boolean(g));
  });

  function setTool(name: ToolName): void {
    draft.value = null;
    hoveredVertex.value = null;
    if (name !== 'brush') eraseMode.value = false;
    tool.value = name;
  }

  /** Escape: drop the drawing in progress; a second Escape goes back to selecting. */
  function cancel(): void {
    if (draft.value) {
      draft.value = null;
      return;
    }
    if (tool.value !== 'select') setTool('select');
    else selection.value = [];
  }

  function select(ids: string[], add = false): void {
    if (!add) {
      selection.value = ids;
      return;
    }
    const next = new Set(selection.value);
    for (const id of ids) {
      if (next.has(id)) next.delete(id);
      else next.add(id);
    }
    selection.value = [...next];
  }

  function afterEdit(result: EditResult, edit: GlandEdit | 'undo' | 'redo'): void {
    useGlandStore().applyResult(result);
    canUndo.value = result.canUndo;
    canRedo.value = result.canRedo;
    lastLabel.value = result.label;
    const removed = new Set(result.removed);
    let next = selection.value.filter((id) => !removed.has(id));
    // A new or merged gland is what the user works on next.
    if (edit !== 'undo' && edit !== 'redo' && ['create', 'brush-add', 'merge', 'split'].includes(edit.kind) && result.changed.length) {
      next = result.changed.map((g) => g.id);
    }
    selection.value = next;
  }

  /** Runs one step through the engine, after the steps before it. Resolves whether it worked. */
  function run(label: string, call: () => Promise<EditResult>, edit: GlandEdit | 'undo' | 'redo'): Promise<boolean> {
    pending++;
    status.value = 'saving';
    const step = chain.then(async () => {
      try {
        afterEdit(await call(), edit);
        return true;
      } catch (e) {
        useNoticeStore().error(errorMessage(e), label);
        status.value = 'failed';
        return false;
      } finally {
        pending--;
        if (pending === 0 && status.value === 'saving') status.value = 'idle';
      }
    });
    chain = step;
    return step;
  }

  function apply(edit: GlandEdit, label: string): Promise<boolean> {
    const slideId = useSlideStore().currentId;
    if (!slideId) return Promise.resolve(false);
    return run(label, () => useApi().glands.edit({ slideId, edit }), edit);
  }

  function undo(): Promise<boolean> {
    const slideId = useSlideStore().currentId;
    if (!slideId) return Promise.resolve(false);
    draft.value = null;
    return run('Undo', () => useApi().glands.undo({ slideId }), 'undo');
  }

  function redo(): Promise<boolean> {
    const slideId = useSlideStore().currentId;
    if (!slideId) return Promise.resolve(false);
    return run('Redo', () => useApi().glands.redo({ slideId }), 'redo');
  }

  function needSelection(what: string, min = 1): string[] | null {
    if (selection.value.length >= min) return selection.value.slice();
    useNoticeStore().info(min === 1 ? `Select a gland first to ${what}.` : `Select at least ${min} glands to ${what} (Shift+click adds).`);
    return null;
  }

  function setStatus(status: 'accepted' | 'rejected'): Promise<boolean> {
    const ids = needSelection(status === 'accepted' ? 'accept it' : 'reject it');
    if (!ids) return Promise.resolve(false);
    return apply({ kind: 'set-status', ids, status }, `${status === 'accepted' ? 'Accepting' : 'Rejecting'} ${ids.length} gland${ids.length === 1 ? '' : 's'}`);
  }

  /** Shift+A / Shift+R: every proposed gland whose centre lies in the current review field. */
  async function setStatusInField(status: 'accepted' | 'rejected'): Promise<boolean> {
    const field = useReviewStore().current;
    const slideId = useSlideStore().currentId;
    if (!field || !slideId) {
      useNoticeStore().info('Go to a review field first (N), then Shift+A accepts or Shift+R rejects all its proposed glands.');
      return false;
    }
    let glands: Gland[];
    try {
      glands = await useApi().glands.query({ slideId, region: field.region });
    } catch (e) {
      useNoticeStore().error(errorMessage(e), 'Finding the proposed glands in the field');
      return false;
    }
    const r = field.region;
    const ids = glands
      .filter((g) => g.status === 'proposed')
      .filter((g) => {
        const cx = (g.bbox[0] + g.bbox[2]) / 2;
        const cy = (g.bbox[1] + g.bbox[3]) / 2;
        return cx >= r.x && cx <= r.x + r.width && cy >= r.y && cy <= r.y + r.height;
      })
      .map((g) => g.id);
    if (!ids.length) {
      useNoticeStore().info('No proposed glands left in this field.');
      return false;
    }
    return apply({ kind: 'set-status', ids, status }, `${status === 'accepted' ? 'Accepting' : 'Rejecting'} the field's ${ids.length} proposed glands`);
  }

  function deleteSelection(): Promise<boolean> {
    const ids = needSelection('delete it');
    if (!ids) return Promise.resolve(false);
    return apply({ kind: 'delete', ids }, `Deleting ${ids.length} gland${ids.length === 1 ? '' : 's'}`);
  }

  function merge(): Promise<boolean> {
    const ids = needSelection('merge them', 2);
    if (!ids) return Promise.resolve(false);
    return apply({ kind: 'merge', ids }, `Merging ${ids.length} glands`);
  }

  function fillHoles(): Promise<boolean> {
    const ids = needSelection('fill its holes');
    if (!ids) return Promise.resolve(false);
    // One step per gland: the contract's fill-holes takes one id.
    return ids.reduce<Promise<boolean>>((prev, id) => prev.then((ok) => apply({ kind: 'fill-holes', id }, 'Filling holes').then((r) => ok && r)), Promise.resolve(true));
  }

  /** Delete with the move tool over a vertex: that vertex goes, not the gland. */
  function removeHoveredVertex(): Promise<boolean> {
    const hovered = hoveredVertex.value;
    const gland = hovered ? useGlandStore().get(hovered.glandId) : undefined;
    if (!hovered || !gland) return Promise.resolve(false);
    const reshaped = removeVertex(gland.polygons, hovered.ref);
    if (!reshaped) {
      useNoticeStore().info('A ring keeps at least three vertices: delete the gland instead (select it, then Delete).');
      return Promise.resolve(false);
    }
    hoveredVertex.value = null;
    return apply({ kind: 'reshape', id: gland.id, polygons: reshaped }, 'Removing a vertex');
  }

  /**
   * Sends an edit made from the drawing on screen, keeping the drawing up until the engine
   * answers (so the outline does not jump back meanwhile); then the stored geometry shows.
   */
  function commitDraft(edit: GlandEdit, label: string): Promise<boolean> {
    const shown = draft.value;
    return apply(edit, label).finally(() => {
      if (draft.value === shown) draft.value = null;
    });
  }

  /** Enter or double-click with the polygon tool: the clicked corners become a new gland. */
  function finishPolygon(): Promise<boolean> {
    const d = draft.value;
    if (!d || d.kind !== 'polygon') return Promise.resolve(false);
    const zoom = useViewerStore().imageZoom || 1;
    const result = ringFromDrawing(d.points, SAME_POINT_PX / zoom);
    if ('error' in result) {
      useNoticeStore().info(result.error);
      return Promise.resolve(false);
    }
    draft.value = { ...d, cursor: null };
    return commitDraft({ kind: 'create', polygons: [result.polygon] }, 'Drawing a polygon');
  }

  function reset(): void {
    selection.value = [];
    draft.value = null;
    hoveredVertex.value = null;
    canUndo.value = null;
    canRedo.value = null;
    lastLabel.value = null;
  }

  return {
    tool, eraseMode, brushSizePx, selection, draft, hoveredVertex, status, canUndo, canRedo, lastLabel, helpVisible,
    selected,
    setTool, cancel, select, apply, undo, redo, setStatus, setStatusInField, deleteSelection, merge, fillHoles, removeHoveredVertex, commitDraft, finishPolygon, reset,
  };
});
