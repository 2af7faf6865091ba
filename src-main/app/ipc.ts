/**
 * The Electron IPC transport of the contract. Each channel is registered by name with
 * ipcMain.handle; what one call does (sender check, validation, dispatch, error envelope) lives
 * in ipc-handler.ts, which has no runtime Electron import so tests can drive it under Node.
 */
import { ipcMain, type WebContents } from 'electron';
import type { ApiChannel, ApiEvent } from '../api/contract';
import { REQUEST_SCHEMAS } from '../api/schemas';
import type { StudioEngine } from '../engine/studio-engine';
import { handleIpcCall, isTrustedSender, type IpcSenderInfo } from './ipc-handler';

export type { IpcEnvelope } from './ipc-handler';

export const EVENT_CHANNEL_PREFIX = 'event:';
// Keyed by the union, so an event added to the contract must be listed here to compile
// (it was only 'slides:status', so job and training progress never reached the desktop window).
const EVENT_TABLE: Record<ApiEvent, true> = { 'slides:status': true, 'jobs:progress': true, 'train:progress': true, 'train:finished': true };
const EVENT_NAMES = Object.keys(EVENT_TABLE) as ApiEvent[];

export function registerIpc(engine: StudioEngine, trusted: (event: IpcSenderInfo) => boolean = isTrustedSender): () => void {
  const channels = Object.keys(REQUEST_SCHEMAS) as ApiChannel[];
  for (const channel of channels) {
    ipcMain.handle(channel, (event, request: unknown) => handleIpcCall(engine, event, channel, request, trusted));
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
