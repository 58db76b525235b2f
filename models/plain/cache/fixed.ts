import type { CacheStats, Loader, LoadingCache } from './types.ts';

/**
 * The fix, still plain code: everything a get decides and changes happens in one synchronous
 * step, before or after its single await, never across it.
 * - A load in flight is stored (its promise, synchronously, before anything awaits): a second
 *   get for that key waits for the same load instead of starting another.
 * - get() returns the value its load produced, never a second read of the map.
 * - The insert and its evictions are one synchronous step after the load: the map never holds
 *   more than `maxSize` entries at any await.
 * - Counters are incremented in place, in the step that decides hit or miss.
 */
export class SafeCache<K, V> implements LoadingCache<K, V> {
  /** Entries in LRU order: least recently used first (a Map iterates in insertion order). */
  private readonly entries = new Map<K, V>();
  /** invariant: a key is here exactly while one load for it is in flight. */
  private readonly loading = new Map<K, Promise<V>>();
  private readonly counts = { hits: 0, misses: 0, evictions: 0 };

  constructor(readonly maxSize: number, private readonly load: Loader<K, V>) {
    if (!(maxSize >= 1)) throw new RangeError(`maxSize must be at least 1, got ${maxSize}`);
  }

  async get(key: K): Promise<V> {
    if (this.entries.has(key)) {
      const value = this.entries.get(key) as V;
      this.entries.delete(key); // move to the most recently used end
      this.entries.set(key, value);
      this.counts.hits++;
      return value;
    }
    this.counts.misses++;
    let pending = this.loading.get(key);
    if (pending === undefined) {
      // The loader is called here, not inside fill(): if it throws synchronously, this get
      // rejects and nothing is stored; fill's cleanup always runs after the store below.
      pending = this.fill(key, this.load(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  private async fill(key: K, loaded: Promise<V>): Promise<V> {
    try {
      const value = await loaded;
      this.entries.set(key, value);
      while (this.entries.size > this.maxSize) {
        this.entries.delete(this.entries.keys().next().value as K);
        this.counts.evictions++;
      }
      return value;
    } finally {
      this.loading.delete(key); // a failed load is not cached: the next get tries again
    }
  }

  get size(): number {
    return this.entries.size;
  }

  stats(): CacheStats {
    return { ...this.counts };
  }
}
