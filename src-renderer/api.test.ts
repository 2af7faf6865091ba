import { describe, expect, it } from 'vitest';
import { createWebApi, errorFromBridge, isStudioError } from './api';

interface Call {
  url: string;
  init?: RequestInit;
}

function fakeFetch(answer: (call: Call) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetch = async (url: string, init?: RequestInit) => {
    const call = { url, init };
    calls.push(call);
    return answer(call);
  };
  return { fetch, calls };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('web client requests', () => {
  it('POSTs the request as JSON to /api/{encoded channel} and returns the JSON answer', async () => {
    const { fetch, calls } = fakeFetch(() => json(200, { closed: true }));
    const api = createWebApi({ fetch });
    await expect(api.slides.close({ id: 'abcdef0123456789' })).resolves.toEqual({ closed: true });
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toBe('/api/slides%3Aclose');
    expect(calls[0].init?.method).toBe('POST');
    expect(JSON.parse(String(calls[0].init?.body))).toEqual({ id: 'abcdef0123456789' });
    const headers = calls[0].init?.headers as Record<string, string>;
    expect(headers['content-type']).toBe('application/json');
    expect(headers['x-studio-token']).toBeUndefined();
  });

  it('sends the token as a header, and on URLs the browser fetches itself', async () => {
    const { fetch, calls } = fakeFetch(() => json(200, []));
    const api = createWebApi({ fetch, token: 's3cr+t' });
    await api.slides.recent({});
    expect((calls[0].init?.headers as Record<string, string>)['x-studio-token']).toBe('s3cr+t');
    expect(api.tiles.tileUrl('abc', 12, 3, 4, 'jpeg')).toBe('/tiles/abc/12/3_4.jpeg?token=s3cr%2Bt');
    expect(api.tiles.associatedImageUrl('abc', 'label')).toBe('/associated/abc/label.png?token=s3cr%2Bt');
  });

  it('builds tile and associated image addresses without a token', () => {
    const api = createWebApi({ fetch: async () => json(200, {}) });
    expect(api.tiles.tileUrl('abc', 0, 0, 0, 'png')).toBe('/tiles/abc/0/0_0.png');
    expect(api.tiles.associatedImageUrl('abc', 'macro image')).toBe('/associated/abc/macro%20image.png');
    expect(api.pathForFile({} as File)).toBeNull();
  });
});

describe('web client errors', () => {
  it('throws a StudioError with the engine\'s code and message', async () => {
    const { fetch } = fakeFetch(() =>
      json(422, { error: { code: 'corrupt-slide', message: 'The SVS file is truncated: tile 12 ends past the file' } }),
    );
    const api = createWebApi({ fetch });
    const error = await api.slides.open({ path: '/x.svs' }).catch((e: unknown) => e);
    expect(isStudioError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'corrupt-slide', message: 'The SVS file is truncated: tile 12 ends past the file' });
  });

  it('maps an unknown code to internal, keeping the message', async () => {
    const { fetch } = fakeFetch(() => json(500, { error: { code: 'weird', message: 'boom' } }));
    await expect(createWebApi({ fetch }).app.info({})).rejects.toMatchObject({ code: 'internal', message: 'boom' });
  });

  it('explains a non-JSON error page by its status line', async () => {
    const { fetch } = fakeFetch(() => new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    await expect(createWebApi({ fetch }).slides.recent({})).rejects.toMatchObject({
      code: 'internal',
      message: 'The Semi-MoE Studio server answered 502 Bad Gateway to slides:recent',
    });
  });

  it('reads 401 without a body as access-denied', async () => {
    const { fetch } = fakeFetch(() => new Response('', { status: 401 }));
    await expect(createWebApi({ fetch }).slides.recent({})).rejects.toMatchObject({ code: 'access-denied' });
  });

  it('says the server cannot be reached when fetch itself fails', async () => {
    const { fetch } = fakeFetch(() => {
      throw new TypeError('Failed to fetch');
    });
    const error = await createWebApi({ fetch }).app.info({}).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'internal' });
    expect((error as Error).message).toMatch(/Cannot reach the Semi-MoE Studio server \(Failed to fetch\)/);
  });

  it('rejects a 200 answer that is not JSON', async () => {
    const { fetch } = fakeFetch(() => new Response('not json', { status: 200 }));
    await expect(createWebApi({ fetch }).app.info({})).rejects.toMatchObject({ code: 'internal', message: expect.stringMatching(/malformed/) });
  });
});

describe('web client events', () => {
  class FakeEventSource {
    static opened: FakeEventSource[] = [];
    listeners = new Map<string, ((e: { data: string }) => void)[]>();
    closed = false;
    constructor(readonly url: string) {
      FakeEventSource.opened.push(this);
    }
    addEventListener(name: string, fn: (e: { data: string }) => void) {
      this.listeners.set(name, [...(this.listeners.get(name) ?? []), fn]);
    }
    close() {
      this.closed = true;
    }
    emit(name: string, data: string) {
      for (const fn of this.listeners.get(name) ?? []) fn({ data });
    }
  }

  it('opens one stream on first subscription, delivers parsed payloads, closes after the last unsubscribe', () => {
    FakeEventSource.opened = [];
    const api = createWebApi({
      fetch: async () => json(200, {}),
      token: 't',
      eventSource: (url) => new FakeEventSource(url) as unknown as EventSource,
    });
    const seen: unknown[] = [];
    const off1 = api.on('slides:status', (p) => seen.push(['a', p]));
    const off2 = api.on('slides:status', (p) => seen.push(['b', p]));
    expect(FakeEventSource.opened).toHaveLength(1);
    const stream = FakeEventSource.opened[0];
    expect(stream.url).toBe('/api/events?token=t');
    stream.emit('slides:status', JSON.stringify({ id: 'x', status: 'missing' }));
    stream.emit('slides:status', '{not json');
    expect(seen).toEqual([
      ['a', { id: 'x', status: 'missing' }],
      ['b', { id: 'x', status: 'missing' }],
    ]);
    off1();
    expect(stream.closed).toBe(false);
    off2();
    expect(stream.closed).toBe(true);
  });
});

describe('Electron bridge errors', () => {
  it('unpacks "[code] message" into a StudioError', () => {
    const error = errorFromBridge(new Error('[not-found] The file /x.svs does not exist'));
    expect(error).toMatchObject({ code: 'not-found', message: 'The file /x.svs does not exist' });
  });

  it('unpacks it after a prefix Electron may add', () => {
    const error = errorFromBridge(new Error("Error invoking remote method 'slides:open': Error: [corrupt-slide] Truncated"));
    expect(error).toMatchObject({ code: 'corrupt-slide', message: 'Truncated' });
  });

  it('keeps any other message as an internal error', () => {
    expect(errorFromBridge(new Error('oops'))).toMatchObject({ code: 'internal', message: 'oops' });
    expect(errorFromBridge('plain')).toMatchObject({ code: 'internal', message: 'plain' });
  });
});

describe('review and editing channels', () => {
  it('carries the engine\'s review error codes (conflict, cancelled, invalid-geojson) through both transports', async () => {
    for (const code of ['conflict', 'cancelled', 'no-model', 'invalid-geometry', 'invalid-geojson'] as const) {
      const api = createWebApi({ fetch: async () => json(409, { error: { code, message: `refused: ${code}` } }) });
      const error = await api.fields.markDone({ fieldId: 'f', acceptProposed: false }).catch((e: unknown) => e);
      expect(isStudioError(error) && error.code).toBe(code);
      expect(errorFromBridge(new Error(`Error invoking remote method 'fields:markDone': Error: [${code}] refused`)).code).toBe(code);
    }
  });

  it('posts gland queries to their channel and makes heat map URLs fetchable with the token', async () => {
    const { fetch, calls } = fakeFetch(() => json(200, []));
    const api = createWebApi({ fetch, token: 'abc' });
    await api.glands.query({ slideId: 's', region: { x: 1, y: 2, width: 3, height: 4 } });
    expect(calls[0].url).toBe('/api/glands%3Aquery');
    expect(api.resourceUrl('/heatmaps/s/p.png')).toBe('/heatmaps/s/p.png?token=abc');
    expect(api.resourceUrl('https://elsewhere/x.png')).toBe('https://elsewhere/x.png');
    expect(createWebApi({ fetch }).resourceUrl('/heatmaps/s/p.png')).toBe('/heatmaps/s/p.png');
  });
});
