import type { CacheStats, Loader, LoadingCache } from './types.ts';

/**
 * A loading LRU cache as a developer first writes it: plain Map, plain counters, one `await` on
 * the loader. Every bug needs another get to run while this one is suspended at an await (its
 * load, or the return from fill()):
 * - check-then-act: get() sees the key is missing and loads it; a second get for the same key
 *   that arrives during the load also sees it missing and loads it again (two loads; the
 *   callers may get different values);
 * - get() reads the map again after its load: a get for another key that makes room in between
 *   evicts the freshly loaded entry, and get() returns undefined;
 * - room is made before the load and the entry inserted after it: two misses that both start
 *   while the cache has room both insert → more than `maxSize` entries;
 * - the miss counter is read when get() starts and written back after the load (what ESLint's
 *   require-atomic-updates warns about): a miss counted by another get in between is lost.
 */
export class BuggyCache<K, V> implements LoadingCache<K, V> {
  /** Entries in LRU order: least recently used first (a Map iterates in insertion order). */
  private readonly entries = new Map<K, V>();
  private counts: CacheStats = { hits: 0, misses: 0, evictions: 0 };

  constructor(readonly maxSize: number, private readonly load: Loader<K, V>) {}

  async get(key: K): Promise<V | undefined> {
    const { hits, misses } = this.counts;
    if (this.entries.has(key)) {
      this.counts = { ...this.counts, hits: hits + 1 };
    } else {
      await this.fill(key);
      this.counts = { ...this.counts, misses: misses + 1 }; // `misses` was read before the load
    }
    return this.touch(key); // the entry may have been evicted while we loaded it
  }

  private async fill(key: K): Promise<void> {
    if (this.entries.size >= this.maxSize) this.evictOldest(); // room made now, used after the load
    const value = await this.load(key);
    this.entries.set(key, value);
  }

  private evictOldest(): void {
    const oldest = this.entries.keys().next();
    if (oldest.done) return;
    this.entries.delete(oldest.value);
    this.counts = { ...this.counts, evictions: this.counts.evictions + 1 };
  }

  /** The value of `key`, moved to the most recently used end; undefined if absent. */
  private touch(key: K): V | undefined {
    if (!this.entries.has(key)) return undefined;
    const value = this.entries.get(key) as V;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  get size(): number {
    return this.entries.size;
  }

  stats(): CacheStats {
    return this.counts;
  }
}
