import type { RendererApi } from '../api';

/**
 * The one api client of this window. main.ts sets it before the app mounts; stores and
 * components read it with useApi(). Tests may install a fake with setApi().
 */
let current: RendererApi | null = null;

export function setApi(api: RendererApi): void {
  current = api;
}

export function useApi(): RendererApi {
  if (!current) throw new Error('The Studio api is not set: call setApi() before mounting the app');
  return current;
}
