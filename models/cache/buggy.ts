import { Shared } from 'heddle';
import type { Cache, CacheStats } from './types.ts';

/**
 * The seed's LRU cache, ported as written (one await per shared access). Bugs:
 * - `get` checks "is the key there?" and reads the value in a later step: an eviction in
 *   between makes it return undefined and count a hit;
 * - `set` inserts first and evicts afterwards: two writers both insert (over capacity), both
 *   pick the same victim, and a reader mid-eviction sees more entries than the limit;
 * - hits, misses and evictions are read-modify-written: increments are lost.
 */
export class BuggyCache<K, V> implements Cache<K, V> {
  /** Entries in LRU order: least recently used first. */
  private readonly entries = new Shared<ReadonlyMap<K, V>>(new Map(), 'entries');
  private readonly hits = new Shared(0, 'hits');
  private readonly misses = new Shared(0, 'misses');
  private readonly evictions = new Shared(0, 'evictions');

  constructor(readonly maxSize: number) {}

  async get(key: K): Promise<V | undefined> {
    if (!(await this.entries.get()).has(key)) {
      await this.misses.set((await this.misses.get()) + 1);
      return undefined;
    }
    const entries = await this.entries.get(); // the key may be gone by now
    const value = entries.get(key);
    if (value !== undefined) await this.entries.set(touched(entries, key, value));
    await this.hits.set((await this.hits.get()) + 1);
    return value;
  }

  async set(key: K, value: V): Promise<void> {
    const entries = await this.entries.get();
    await this.entries.set(touched(entries, key, value));
    if ((await this.entries.get()).size > this.maxSize) await this.evict();
  }

  private async evict(): Promise<void> {
    const entries = await this.entries.get();
    const victim = entries.keys().next().value as K;
    const next = new Map(entries);
    next.delete(victim);
    await this.entries.set(next);
    await this.evictions.set((await this.evictions.get()) + 1);
  }

  async delete(key: K): Promise<boolean> {
    const entries = await this.entries.get();
    if (!entries.has(key)) return false;
    const next = new Map(entries);
    next.delete(key);
    await this.entries.set(next);
    return true;
  }

  async size(): Promise<number> {
    return (await this.entries.get()).size;
  }

  async stats(): Promise<CacheStats> {
    return { hits: await this.hits.get(), misses: await this.misses.get(), evictions: await this.evictions.get() };
  }
}

/** The entries with `key` moved to the most recently used end. */
export function touched<K, V>(entries: ReadonlyMap<K, V>, key: K, value: V): Map<K, V> {
  const next = new Map(entries);
  next.delete(key);
  next.set(key, value);
  return next;
}
