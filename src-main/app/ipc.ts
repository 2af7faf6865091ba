/**
 * The Electron IPC transport of the contract. Each channel is registered by name with
 * ipcMain.handle; the sender is checked (only our own window's main frame, loaded from our own
 * app protocol, may call) and the request is validated by the engine.
 * Errors cross as a resolved {error} envelope because Electron flattens rejected errors into
 * strings and would lose the error code.
 */
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import type { ApiChannel, ApiEvent } from '../api/contract';
import { toErrorBody } from '../api/errors';
import { REQUEST_SCHEMAS } from '../api/schemas';
import type { StudioEngine } from '../engine/studio-engine';

export const EVENT_CHANNEL_PREFIX = 'event:';
const EVENT_NAMES: readonly ApiEvent[] = ['slides:status'];

export type IpcEnvelope<T> = { ok: true; value: T } | { ok: false; error: ReturnType<typeof toErrorBody> };

export function registerIpc(engine: StudioEngine, isTrustedSender: (event: IpcMainInvokeEvent) => boolean): () => void {
  const channels = Object.keys(REQUEST_SCHEMAS) as ApiChannel[];
  for (const channel of channels) {
    ipcMain.handle(channel, async (event, request: unknown): Promise<IpcEnvelope<unknown>> => {
      if (!isTrustedSender(event)) {
        return { ok: false, error: { code: 'access-denied', message: 'IPC from an untrusted frame' } };
      }
      try {
        return { ok: true, value: await engine.handle(channel, request) };
      } catch (error) {
        return { ok: false, error: toErrorBody(error) };
      }
    });
  }
  return () => channels.forEach((c) => ipcMain.removeHandler(c));
}

/** Forwards engine events to a window as `event:{name}` messages. */
export function forwardEvents(engine: StudioEngine, target: WebContents): () => void {
  const offs = EVENT_NAMES.map((name) =>
    engine.on(name, (payload) => {
      if (!target.isDestroyed()) target.send(`${EVENT_CHANNEL_PREFIX}${name}`, payload);
    }),
  );
  return () => offs.forEach((off) => off());
}
