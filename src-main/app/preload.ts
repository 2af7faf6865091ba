/**
 * The preload bridge: the only door between the sandboxed renderer and the main process.
 * It exposes one named function per contract channel (never a raw invoke), event
 * subscriptions that return their unsubscribe function, and the tile address scheme.
 * Its type is derived from the object itself (`typeof studio`), so it cannot drift.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type {
  ApiChannel,
  ApiEvent,
  ApiEvents,
  ApiRequest,
  ApiResponse,
  StudioApi,
} from '../api/contract';

type Envelope<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

/**
 * Errors cross the context bridge as plain messages (their extra properties are dropped), so
 * the code travels inside the message as "[code] message"; the renderer's client unpacks it.
 */
function channel<C extends ApiChannel>(name: C) {
  return async (request: ApiRequest<C>): Promise<ApiResponse<C>> => {
    const envelope = (await ipcRenderer.invoke(name, request)) as Envelope<ApiResponse<C>>;
    if (envelope.ok) return envelope.value;
    throw new Error(`[${envelope.error.code}] ${envelope.error.message}`);
  };
}

const studio = {
  app: { info: channel('app:info') },
  slides: {
    open: channel('slides:open'),
    get: channel('slides:get'),
    recent: channel('slides:recent'),
    close: channel('slides:close'),
  },
  files: { list: channel('files:list') },
  dialog: { openSlide: channel('dialog:openSlide') },
  glands: {
    query: channel('glands:query'),
    edit: channel('glands:edit'),
    undo: channel('glands:undo'),
    redo: channel('glands:redo'),
    exportGeoJson: channel('glands:exportGeoJson'),
    importGeoJson: channel('glands:importGeoJson'),
  },
  predict: { region: channel('predict:region'), tissue: channel('predict:tissue'), cancel: channel('predict:cancel') },
  queue: { build: channel('queue:build'), list: channel('queue:list') },
  fields: { markDone: channel('fields:markDone') },
  models: { list: channel('models:list'), activate: channel('models:activate') },
  train: { start: channel('train:start'), cancel: channel('train:cancel'), status: channel('train:status') },
  on<E extends ApiEvent>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
    const wrapped = (_e: unknown, payload: ApiEvents[E]) => listener(payload);
    ipcRenderer.on(`event:${event}`, wrapped);
    return () => ipcRenderer.removeListener(`event:${event}`, wrapped);
  },
  tiles: {
    tileUrl: (slideId: string, level: number, col: number, row: number, format: 'jpeg' | 'png') =>
      `slide://tiles/${slideId}/${level}/${col}_${row}.${format}`,
    associatedImageUrl: (slideId: string, name: string) => `slide://associated/${slideId}/${encodeURIComponent(name)}.png`,
  },
  /** Drag and drop: the real path of a dropped file (Electron 32+ removed File.path). */
  pathForFile: (file: File): string => webUtils.getPathForFile(file),
} satisfies StudioApi & { pathForFile(file: File): string };

export type PreloadApi = typeof studio;

contextBridge.exposeInMainWorld('studio', studio);
