/**
 * Test helper for the stores: the real web client (api.ts createWebApi) over a fake engine
 * that answers the given channels, records every call, and can push server events.
 */
import { createWebApi } from '../api';
import { setApi } from '../composables/useApi';

export type Handler = (body: Record<string, unknown>) => unknown;

export interface FakeEngine {
  calls: { channel: string; body: Record<string, unknown> }[];
  /** Delivers a server event (what the SSE stream would carry) to the client's listeners. */
  emit(name: string, payload: unknown): void;
}

/** Installs the client; a handler that throws {code, message} answers that error (HTTP 409). */
export function fakeEngine(handlers: Record<string, Handler>): FakeEngine {
  const calls: FakeEngine['calls'] = [];
  const listeners = new Map<string, ((m: { data: string }) => void)[]>();
  setApi(
    createWebApi({
      fetch: async (url, init) => {
        const channel = decodeURIComponent(url.slice('/api/'.length));
        const body = JSON.parse(String(init?.body ?? '{}'));
        calls.push({ channel, body });
        const handler = handlers[channel];
        if (!handler) return new Response(JSON.stringify({ error: { code: 'not-found', message: `no ${channel}` } }), { status: 404 });
        try {
          return new Response(JSON.stringify(await handler(body)), { status: 200 });
        } catch (e) {
          const err = e as { code: string; message: string };
          return new Response(JSON.stringify({ error: { code: err.code, message: err.message } }), { status: 409 });
        }
      },
      eventSource: () =>
        ({
          addEventListener: (name: string, fn: (m: { data: string }) => void) => listeners.set(name, [...(listeners.get(name) ?? []), fn]),
          close: () => undefined,
        }) as unknown as EventSource,
    }),
  );
  return { calls, emit: (name, payload) => listeners.get(name)?.forEach((fn) => fn({ data: JSON.stringify(payload) })) };
}
