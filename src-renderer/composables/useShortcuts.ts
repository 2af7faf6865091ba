import { onBeforeUnmount, onMounted } from 'vue';

/**
 * Single-key shortcuts for the whole window (O, F, 1-4). Keys typed into a field, keys with a
 * modifier, and keys while a modal dialog is up are left alone. Listens in the capture phase,
 * so a focused viewer canvas (which handles its own keys) does not swallow them.
 */
export function useShortcuts(bindings: Record<string, () => void>, enabled: () => boolean = () => true): void {
  function onKey(event: KeyboardEvent): void {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    const target = event.target as HTMLElement | null;
    if (target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return;
    if (!enabled()) return;
    const action = bindings[event.key.toLowerCase()];
    if (!action) return;
    event.preventDefault();
    action();
  }
  onMounted(() => window.addEventListener('keydown', onKey, { capture: true }));
  onBeforeUnmount(() => window.removeEventListener('keydown', onKey, { capture: true }));
}
