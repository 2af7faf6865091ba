/**
 * The Electron-free half of the IPC transport: who may call, and what one call does. ipc.ts
 * registers this with ipcMain; tests call it directly with a fake event, because no Electron
 * binary runs in CI. Only type imports from 'electron' here, so plain Node can load the file.
 */
import type { ApiErrorBody } from '../api/contract';
import { ApiError, toErrorBody } from '../api/errors';
import { isApiChannel } from '../api/schemas';
import type { StudioEngine } from '../engine/studio-engine';

/** The origin the renderer is loaded from (app://studio/index.html); see protocols.ts. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'studio';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

export type IpcEnvelope<T> = { ok: true; value: T } | { ok: false; error: ApiErrorBody };

/** The parts of Electron's IpcMainInvokeEvent the check reads (a structural subset, for tests). */
export interface IpcSenderInfo {
  senderFrame: { url: string; parent: unknown } | null;
}

/**
 * True only for our app's top frame. The URL is parsed, not prefix-matched, so that
 * "app://studio.evil/", "app://studio@evil/" or an iframe of some other page never passes; a
 * frame that was navigated away or destroyed (senderFrame null) never passes either.
 */
export function isTrustedSenderUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.username === '' && parsed.password === '';
}

export function isTrustedSender(event: IpcSenderInfo): boolean {
  const frame = event.senderFrame;
  return frame !== null && frame.parent === null && isTrustedSenderUrl(frame.url);
}

/**
 * One IPC call: sender check, channel check, validation and dispatch by the engine. Never
 * throws: Electron flattens a rejected error into a string and would lose the code, so every
 * outcome is a resolved envelope.
 */
export async function handleIpcCall(
  engine: StudioEngine,
  event: IpcSenderInfo,
  channel: string,
  request: unknown,
  trusted: (event: IpcSenderInfo) => boolean = isTrustedSender,
): Promise<IpcEnvelope<unknown>> {
  try {
    if (!trusted(event)) throw new ApiError('access-denied', 'IPC from an untrusted frame');
    if (!isApiChannel(channel)) throw new ApiError('not-found', `No such API channel: ${String(channel).slice(0, 80)}`);
    return { ok: true, value: await engine.handle(channel, request) };
  } catch (error) {
    return { ok: false, error: toErrorBody(error) };
  }
}
