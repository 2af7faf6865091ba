/**
 * Caches for tiles: a least-recently-used map bounded by total bytes (tiles vary from 2 KiB of
 * JPEG to 256 KiB of raw pixels, so a count bound would mean nothing), plus coalescing of
 * concurrent loads so that a viewer asking for the same tile twice decodes it once.
 */

export const DEFAULT_TILE_CACHE_BYTES = 64 * 1024 * 1024;

export interface CacheStats {
  hits: number;
  misses: number;
  evictions: number;
  entries: number;
  bytes: number;
  maxBytes: number;
}

export interface ByteLruOptions<V> {
  /** Upper bound on the sum of sizeOf(value); default 64 MiB. */
  maxBytes?: number;
  /** Size of a value in bytes; default `value.length` (Buffers). */
  sizeOf?: (value: V) => number;
}

/** A Map keeps insertion order, so re-inserting on every hit makes its first key the least recent. */
export class ByteLruCache<V = Buffer> {
  readonly maxBytes: number;
  private readonly sizeOf: (value: V) => number;
  private readonly entries = new Map<string, { value: V; size: number }>();
  private totalBytes = 0;
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  constructor(options: ByteLruOptions<V> = {}) {
    this.maxBytes = options.maxBytes ?? DEFAULT_TILE_CACHE_BYTES;
    this.sizeOf = options.sizeOf ?? ((value: V) => (value as unknown as { length: number }).length);
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Stores `value`, evicting least-recently-used entries; a value larger than the whole cache is not stored. */
  set(key: string, value: V): void {
    const size = this.sizeOf(value);
    this.delete(key);
    if (size > this.maxBytes) return;
    this.entries.set(key, { value, size });
    this.totalBytes += size;
    while (this.totalBytes > this.maxBytes) {
      const oldest = this.entries.keys().next().value as string;
      this.delete(oldest);
      this.evictions++;
    }
  }

  delete(key: string): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    this.entries.delete(key);
    this.totalBytes -= entry.size;
    return true;
  }

  clear(): void {
    this.entries.clear();
    this.totalBytes = 0;
  }

  stats(): CacheStats {
    return {
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
      entries: this.entries.size,
      bytes: this.totalBytes,
      maxBytes: this.maxBytes,
    };
  }
}

/**
 * A byte-bounded cache whose loads are coalesced: while a key is being loaded, every other
 * request for it waits on the same promise. Failed loads are not cached, so a tile that failed
 * once (a transient read error) is tried again on the next request.
 */
export class TileCache<V = Buffer> {
  private readonly lru: ByteLruCache<V>;
  private readonly inFlight = new Map<string, Promise<V>>();
  private coalesced = 0;

  constructor(options: ByteLruOptions<V> = {}) {
    this.lru = new ByteLruCache(options);
  }

  get(key: string): V | undefined {
    return this.lru.get(key);
  }

  set(key: string, value: V): void {
    this.lru.set(key, value);
  }

  /** The cached value, else the in-flight load, else a new load that is cached when it succeeds. */
  getOrLoad(key: string, load: () => Promise<V>): Promise<V> {
    const cached = this.lru.get(key);
    if (cached !== undefined) return Promise.resolve(cached);
    const pending = this.inFlight.get(key);
    if (pending) {
      this.coalesced++;
      return pending;
    }
    const started = load().then(
      (value) => {
        this.inFlight.delete(key);
        this.lru.set(key, value);
        return value;
      },
      (error: unknown) => {
        this.inFlight.delete(key);
        throw error;
      },
    );
    this.inFlight.set(key, started);
    return started;
  }

  clear(): void {
    this.lru.clear();
  }

  /** LRU statistics plus how many requests joined a load already in flight. */
  stats(): CacheStats & { coalesced: number } {
    return { ...this.lru.stats(), coalesced: this.coalesced };
  }
}
