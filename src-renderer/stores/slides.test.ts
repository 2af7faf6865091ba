import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { SlideInfo } from '../../src-main/api/contract';
import { createWebApi, studioError } from '../api';
import { setApi } from '../composables/useApi';
import { useNoticeStore } from './notices';
import { useSlideStore } from './slides';

function slide(id: string, name: string): SlideInfo {
  return {
    id, path: `/data/${name}`, name, format: 'aperio-svs', vendor: 'aperio', width: 100, height: 80,
    levels: [{ width: 100, height: 80, downsample: 1 }], mpp: null, objectivePower: null, associatedImages: [],
    fingerprint: id.padEnd(64, '0'), status: 'ok', tiles: { tileSize: 254, overlap: 1, maxLevel: 7, format: 'jpeg' },
  };
}

/** A web client over a fake fetch: the store is exercised through the real client. */
function installFakeEngine(): string[] {
  const calls: string[] = [];
  const slides: Record<string, SlideInfo> = { '/data/a.svs': slide('aaaaaaaaaaaaaaaa', 'a.svs'), '/data/b.svs': slide('bbbbbbbbbbbbbbbb', 'b.svs') };
  setApi(
    createWebApi({
      fetch: async (url, init) => {
        const channel = decodeURIComponent(url.slice('/api/'.length));
        const body = JSON.parse(String(init?.body ?? '{}'));
        calls.push(channel);
        const json = (status: number, value: unknown) => new Response(JSON.stringify(value), { status });
        if (channel === 'slides:open') {
          const found = slides[body.path];
          return found ? json(200, found) : json(404, { error: { code: 'not-found', message: `The file ${body.path} does not exist` } });
        }
        if (channel === 'slides:recent') return json(200, []);
        if (channel === 'slides:close') return json(200, { closed: true });
        if (channel === 'slides:get') return json(200, Object.values(slides).find((s) => s.id === body.id));
        throw studioError('internal', `unexpected ${channel}`);
      },
    }),
  );
  return calls;
}

describe('useSlideStore', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('opens slides as tabs and shows the last one opened', async () => {
    installFakeEngine();
    const store = useSlideStore();
    await store.openPath('/data/a.svs');
    await store.openPath('/data/b.svs');
    expect(store.open.map((s) => s.name)).toEqual(['a.svs', 'b.svs']);
    expect(store.current?.name).toBe('b.svs');
    expect(store.status).toBe('ready');
    // Opening one again selects it rather than adding a second tab.
    await store.openPath('/data/a.svs');
    expect(store.open).toHaveLength(2);
    expect(store.current?.name).toBe('a.svs');
  });

  it('a failed open keeps the open slides, records the engine message and raises a notice', async () => {
    installFakeEngine();
    const store = useSlideStore();
    await store.openPath('/data/a.svs');
    const result = await store.openPath('/data/nope.svs');
    expect(result).toBeNull();
    expect(store.status).toBe('failed');
    expect(store.error).toBe('The file /data/nope.svs does not exist');
    expect(store.current?.name).toBe('a.svs');
    const notices = useNoticeStore();
    expect(notices.notices).toMatchObject([{ kind: 'error', message: 'The file /data/nope.svs does not exist', context: 'Could not open /data/nope.svs' }]);
    // A later success clears the stale failure.
    await store.openPath('/data/b.svs');
    expect(store.error).toBeNull();
    expect(notices.notices).toEqual([]);
  });

  it('closing the shown slide shows its neighbour, closing the last one leaves none', async () => {
    const calls = installFakeEngine();
    const store = useSlideStore();
    await store.openPath('/data/a.svs');
    await store.openPath('/data/b.svs');
    await store.close('bbbbbbbbbbbbbbbb');
    expect(store.current?.name).toBe('a.svs');
    await store.close('aaaaaaaaaaaaaaaa');
    expect(store.current).toBeNull();
    expect(store.status).toBe('idle');
    expect(calls.filter((c) => c === 'slides:close')).toHaveLength(2);
  });

  it('applies file status events to open and recent slides', async () => {
    installFakeEngine();
    const store = useSlideStore();
    await store.openPath('/data/a.svs');
    store.recent = [{ id: 'aaaaaaaaaaaaaaaa', path: '/data/a.svs', name: 'a.svs', openedAt: '2025-01-01T00:00:00Z', status: 'ok' }];
    store.applyFileStatus('aaaaaaaaaaaaaaaa', 'missing');
    expect(store.current?.status).toBe('missing');
    expect(store.recent[0].status).toBe('missing');
  });
});
