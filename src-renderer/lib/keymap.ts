/**
 * Every key of the review and editing screen, in one table: the key handler matches events
 * against it, the help overlay (?) lists it, and the viewer keeps OpenSeadragon's own keys
 * (W/A/S/D pan, R rotate...) off the ones taken here. O, F and 1-4 belong to the app shell
 * (App.vue) and are listed for the help overlay only.
 */

export type KeyAction =
  | 'toggle-outlines' | 'toggle-probability' | 'toggle-uncertainty'
  | 'next-field' | 'previous-field'
  | 'tool-select' | 'tool-move' | 'tool-brush' | 'tool-eraser' | 'tool-polygon' | 'tool-freehand' | 'tool-split'
  | 'accept' | 'reject' | 'accept-field' | 'reject-field'
  | 'merge' | 'fill-holes' | 'delete' | 'undo' | 'redo' | 'cancel' | 'finish' | 'help';

export interface KeyBinding {
  /** As the help overlay shows it. */
  label: string;
  /** KeyboardEvent.key, compared case-insensitively for letters. */
  key: string;
  ctrl?: boolean;
  shift?: boolean;
  /** Shift does not matter (keys typed with Shift on some layouts: ?, [, ]). */
  anyShift?: boolean;
  action: KeyAction | 'app';
  description: string;
  group: 'View' | 'Review' | 'Tools' | 'Edit';
}

export const KEYMAP: readonly KeyBinding[] = [
  { label: 'O', key: 'o', action: 'app', description: 'Open a slide', group: 'View' },
  { label: 'F', key: 'f', action: 'app', description: 'Fit the whole slide', group: 'View' },
  { label: '1–4', key: '1', action: 'app', description: '5x, 10x, 20x, 40x', group: 'View' },
  { label: 'H', key: 'h', action: 'toggle-outlines', description: 'Show or hide gland outlines', group: 'View' },
  { label: 'J', key: 'j', action: 'toggle-probability', description: 'Show or hide the probability heat map', group: 'View' },
  { label: 'K', key: 'k', action: 'toggle-uncertainty', description: 'Show or hide the uncertainty heat map', group: 'View' },
  { label: '?', key: '?', anyShift: true, action: 'help', description: 'Show or hide this list', group: 'View' },

  { label: 'N or ]', key: 'n', action: 'next-field', description: 'Next review field', group: 'Review' },
  { label: ']', key: ']', anyShift: false, action: 'next-field', description: 'Next review field', group: 'Review' },
  { label: 'Shift+N or [', key: 'n', shift: true, action: 'previous-field', description: 'Previous review field', group: 'Review' },
  { label: '[', key: '[', action: 'previous-field', description: 'Previous review field', group: 'Review' },
  { label: 'A', key: 'a', action: 'accept', description: 'Accept the selected glands', group: 'Review' },
  { label: 'R', key: 'r', action: 'reject', description: 'Reject the selected glands', group: 'Review' },
  { label: 'Shift+A', key: 'a', shift: true, action: 'accept-field', description: 'Accept every proposed gland in the field', group: 'Review' },
  { label: 'Shift+R', key: 'r', shift: true, action: 'reject-field', description: 'Reject every proposed gland in the field', group: 'Review' },

  { label: 'V', key: 'v', action: 'tool-select', description: 'Select (click a gland; Shift+click adds)', group: 'Tools' },
  { label: 'M', key: 'm', action: 'tool-move', description: 'Move vertices (drag; double-click an edge adds one)', group: 'Tools' },
  { label: 'B', key: 'b', action: 'tool-brush', description: 'Brush: paint into the selected gland or a new one', group: 'Tools' },
  { label: 'Alt+drag / E', key: 'e', action: 'tool-eraser', description: 'Brush that erases', group: 'Tools' },
  { label: 'P', key: 'p', action: 'tool-polygon', description: 'Polygon: click corners, Enter or double-click closes', group: 'Tools' },
  { label: 'D', key: 'd', action: 'tool-freehand', description: 'Freehand: drag around a gland', group: 'Tools' },
  { label: 'S', key: 's', action: 'tool-split', description: 'Split the selected gland with a line', group: 'Tools' },
  { label: 'Enter', key: 'enter', action: 'finish', description: 'Close the polygon being drawn', group: 'Tools' },
  { label: 'Escape', key: 'escape', anyShift: true, action: 'cancel', description: 'Cancel the drawing; again: back to Select', group: 'Tools' },

  { label: 'G or Ctrl+M', key: 'g', action: 'merge', description: 'Merge the selected glands', group: 'Edit' },
  { label: 'Ctrl+M', key: 'm', ctrl: true, action: 'merge', description: 'Merge the selected glands', group: 'Edit' },
  { label: 'L', key: 'l', action: 'fill-holes', description: 'Fill the holes (lumens) of the selection', group: 'Edit' },
  { label: 'Delete / Backspace', key: 'delete', action: 'delete', description: 'Delete the selection (the vertex under the pointer with M)', group: 'Edit' },
  { label: 'Backspace', key: 'backspace', action: 'delete', description: 'Delete the selection', group: 'Edit' },
  { label: 'Ctrl+Z', key: 'z', ctrl: true, action: 'undo', description: 'Undo', group: 'Edit' },
  { label: 'Ctrl+Shift+Z or Ctrl+Y', key: 'z', ctrl: true, shift: true, action: 'redo', description: 'Redo', group: 'Edit' },
  { label: 'Ctrl+Y', key: 'y', ctrl: true, action: 'redo', description: 'Redo', group: 'Edit' },
];

/** The bindings the help overlay lists: one row per description. */
export const HELP_ROWS = KEYMAP.filter((b, i) => KEYMAP.findIndex((o) => o.description === b.description) === i);

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/** The action for a key event, or null. Cmd counts as Ctrl (macOS). Alt+key is never ours. */
export function actionFor(event: KeyLike): KeyAction | null {
  if (event.altKey) return null;
  const key = event.key.toLowerCase();
  const ctrl = event.ctrlKey || event.metaKey;
  for (const b of KEYMAP) {
    if (b.action === 'app' || b.key !== key || Boolean(b.ctrl) !== ctrl) continue;
    if (!b.anyShift && Boolean(b.shift) !== event.shiftKey) continue;
    return b.action;
  }
  return null;
}

/** KeyboardEvent.code of the letters taken here, which OpenSeadragon must leave alone. */
export const RESERVED_CODES: ReadonlySet<string> = new Set(
  KEYMAP.filter((b) => /^[a-z]$/.test(b.key)).map((b) => `Key${b.key.toUpperCase()}`),
);
