/**
 * Where the counter keeps its numbers: in production a key-value store (Redis, a database row)
 * reached over the network. An absent key reads as 0.
 */
export interface MetricStore {
  read(key: string): Promise<number>;
  write(key: string, value: number): Promise<void>;
}

/** A consistent view: `total` is the sum of the amounts of the `count` recorded events. */
export interface MetricSnapshot {
  readonly count: number;
  readonly total: number;
}

/**
 * A metrics counter of the seed benchmark: how many events (orders, requests) and their total
 * amount (revenue, milliseconds), persisted under the keys `count` and `total`.
 */
export interface MetricsCounter {
  record(amount: number): Promise<void>;
  snapshot(): Promise<MetricSnapshot>;
}
