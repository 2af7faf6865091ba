import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue';

/**
 * Dropping a file onto the window. `dragging` is true while files are held over it, so the
 * window can say what a drop will do (or, in a browser, why it cannot work).
 */
export function useFileDrop(onDrop: (files: File[]) => void): { dragging: Ref<boolean> } {
  const dragging = ref(false);
  let depth = 0;

  const hasFiles = (event: DragEvent) => Array.from(event.dataTransfer?.types ?? []).includes('Files');

  function enter(event: DragEvent): void {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth++;
    dragging.value = true;
  }
  function over(event: DragEvent): void {
    if (!hasFiles(event)) return;
    event.preventDefault(); // allow the drop, instead of the browser navigating to the file
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
  }
  function leave(event: DragEvent): void {
    if (!hasFiles(event)) return;
    depth = Math.max(0, depth - 1);
    if (depth === 0) dragging.value = false;
  }
  function drop(event: DragEvent): void {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth = 0;
    dragging.value = false;
    onDrop(Array.from(event.dataTransfer?.files ?? []));
  }

  onMounted(() => {
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
  });
  onBeforeUnmount(() => {
    window.removeEventListener('dragenter', enter);
    window.removeEventListener('dragover', over);
    window.removeEventListener('dragleave', leave);
    window.removeEventListener('drop', drop);
  });
  return { dragging };
}
