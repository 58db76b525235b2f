/** Loads the value of a key the cache does not hold: in production an HTTP call or a query. */
export type Loader<K, V> = (key: K) => Promise<V>;

export interface CacheStats {
  /** Gets answered from the cache. */
  readonly hits: number;
  /** Gets that had to wait for a load (their own, or one already in flight). */
  readonly misses: number;
  readonly evictions: number;
}

/** An LRU cache of at most `maxSize` entries in front of an async loader. */
export interface LoadingCache<K, V> {
  readonly maxSize: number;
  /** The value of `key`, loaded through the loader when the cache does not hold it. */
  get(key: K): Promise<V | undefined>;
  /** How many entries the cache holds now. */
  readonly size: number;
  stats(): CacheStats;
}
