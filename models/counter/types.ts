/** A consistent view of the counters: `total` is the sum of `counts`. */
export interface CounterSnapshot {
  readonly counts: Readonly<Record<string, number>>;
  readonly total: number;
}

/** The metrics counter of the seed benchmark: named counters and a grand total. */
export interface MetricsCounter {
  increment(name: string, n?: number): Promise<void>;
  get(name: string): Promise<number>;
  snapshot(): Promise<CounterSnapshot>;
}
