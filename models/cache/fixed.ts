import { Mutex, Shared } from 'heddle';
import { touched } from './buggy.ts';
import type { Cache, CacheStats } from './types.ts';

interface State<K, V> {
  readonly entries: ReadonlyMap<K, V>;
  readonly stats: CacheStats;
}

/**
 * The fix: one lock around each operation, and entries and statistics in one state that is read
 * and written once per operation — a check and its act, an insert and its eviction, a count and
 * its increment can no longer be separated. The lock is held for two steps, never across a
 * callback or I/O, so the cost is a few microseconds (see bench/overlocking.ts).
 */
export class SafeCache<K, V> implements Cache<K, V> {
  private readonly lock = new Mutex('cache');
  private readonly state = new Shared<State<K, V>>({ entries: new Map(), stats: { hits: 0, misses: 0, evictions: 0 } }, 'state');

  constructor(readonly maxSize: number) {}

  private change<R>(fn: (s: State<K, V>) => [State<K, V>, R]): Promise<R> {
    return this.lock.withLock(async () => {
      let result!: R;
      await this.state.update((s) => {
        const [next, r] = fn(s);
        result = r;
        return next;
      });
      return result;
    });
  }

  get(key: K): Promise<V | undefined> {
    return this.change(({ entries, stats }) => {
      const value = entries.get(key);
      if (value === undefined) return [{ entries, stats: { ...stats, misses: stats.misses + 1 } }, undefined];
      return [{ entries: touched(entries, key, value), stats: { ...stats, hits: stats.hits + 1 } }, value];
    });
  }

  set(key: K, value: V): Promise<void> {
    return this.change(({ entries, stats }) => {
      const next = touched(entries, key, value);
      let evictions = stats.evictions;
      while (next.size > this.maxSize) {
        next.delete(next.keys().next().value as K);
        evictions++;
      }
      return [{ entries: next, stats: { ...stats, evictions } }, undefined];
    });
  }

  delete(key: K): Promise<boolean> {
    return this.change(({ entries, stats }) => {
      if (!entries.has(key)) return [{ entries, stats }, false];
      const next = new Map(entries);
      next.delete(key);
      return [{ entries: next, stats }, true];
    });
  }

  async size(): Promise<number> {
    return this.lock.withLock(async () => (await this.state.get()).entries.size);
  }

  async stats(): Promise<CacheStats> {
    return this.lock.withLock(async () => (await this.state.get()).stats);
  }
}
