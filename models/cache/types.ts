export interface CacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly evictions: number;
}

/** The LRU cache of the seed benchmark: a size limit and hit/miss statistics. */
export interface Cache<K, V> {
  /** The value, or undefined on a miss. A hit never returns undefined. */
  get(key: K): Promise<V | undefined>;
  set(key: K, value: V): Promise<void>;
  delete(key: K): Promise<boolean>;
  size(): Promise<number>;
  stats(): Promise<CacheStats>;
}
