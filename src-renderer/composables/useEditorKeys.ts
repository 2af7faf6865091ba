import { onBeforeUnmount, onMounted } from 'vue';
import { actionFor, type KeyAction } from '../lib/keymap';
import { useEditingStore } from '../stores/editing';
import { useOverlayStore } from '../stores/overlay';
import { useReviewStore } from '../stores/review';
import { useSlideStore } from '../stores/slides';

/** Input types that take letters: a slider or a checkbox with focus must not swallow B or N. */
const TEXT_INPUTS = new Set(['text', 'number', 'search', 'email', 'password', 'url', 'tel']);

function typesText(el: HTMLElement): boolean {
  if (el.isContentEditable || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  return el.tagName === 'INPUT' && TEXT_INPUTS.has((el as HTMLInputElement).type);
}

/**
 * The review and editing keys (lib/keymap.ts). Like the app's own shortcuts, keys typed into
 * a text field are left alone, and so are all keys while a modal dialog is up. Capture phase,
 * so that a focused viewer canvas (OpenSeadragon handles keys itself) does not get them first.
 */
export function useEditorKeys(enabled: () => boolean = () => true): void {
  const editing = useEditingStore();
  const overlay = useOverlayStore();
  const review = useReviewStore();
  const slides = useSlideStore();

  const actions: Record<KeyAction, () => unknown> = {
    'toggle-outlines': () => overlay.toggle('outlines'),
    'toggle-probability': () => overlay.toggle('probability'),
    'toggle-uncertainty': () => overlay.toggle('uncertainty'),
    'next-field': () => review.step(1),
    'previous-field': () => review.step(-1),
    'tool-select': () => editing.setTool('select'),
    'tool-move': () => editing.setTool('move'),
    'tool-brush': () => editing.setTool('brush'),
    'tool-eraser': () => {
      editing.setTool('brush');
      editing.eraseMode = true;
    },
    'tool-polygon': () => editing.setTool('polygon'),
    'tool-freehand': () => editing.setTool('freehand'),
    'tool-split': () => editing.setTool('split'),
    accept: () => editing.setStatus('accepted'),
    reject: () => editing.setStatus('rejected'),
    'accept-field': () => editing.setStatusInField('accepted'),
    'reject-field': () => editing.setStatusInField('rejected'),
    merge: () => editing.merge(),
    'fill-holes': () => editing.fillHoles(),
    delete: () => (editing.tool === 'move' && editing.hoveredVertex ? editing.removeHoveredVertex() : editing.deleteSelection()),
    undo: () => editing.undo(),
    redo: () => editing.redo(),
    cancel: () => (editing.helpVisible ? (editing.helpVisible = false) : editing.cancel()),
    finish: () => editing.finishPolygon(),
    help: () => (editing.helpVisible = !editing.helpVisible),
  };

  /** Keys that mean something without a slide. */
  const WITHOUT_SLIDE = new Set<KeyAction>(['help', 'cancel']);

  function onKey(event: KeyboardEvent): void {
    if (event.defaultPrevented) return;
    const target = event.target as HTMLElement | null;
    if (target && typesText(target)) return;
    // Enter on a focused button presses it: leave it be unless a polygon is being drawn.
    if (event.key === 'Enter' && target?.tagName === 'BUTTON' && editing.draft?.kind !== 'polygon') return;
    if (!enabled()) return;
    const action = actionFor(event);
    if (!action) return;
    if (event.repeat && action !== 'undo' && action !== 'redo') return;
    if (!slides.current && !WITHOUT_SLIDE.has(action)) return;
    event.preventDefault();
    void actions[action]();
  }

  onMounted(() => window.addEventListener('keydown', onKey, { capture: true }));
  onBeforeUnmount(() => window.removeEventListener('keydown', onKey, { capture: true }));
}
