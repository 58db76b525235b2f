import type { MetricSnapshot, MetricStore, MetricsCounter } from './types.ts';

/**
 * The counter as first written: `value += n` through the store, one await per store call. Bugs
 * (each needs another call to run at one of these awaits):
 * - read, await, write: two records that both read before either writes → one is lost
 *   (lost update, on `count` and on `total` alike);
 * - `count` and `total` are written in separate steps: a snapshot taken between the two writes
 *   (or whose two reads straddle a record) sees them disagree.
 */
export class BuggyCounter implements MetricsCounter {
  constructor(private readonly store: MetricStore) {}

  async record(amount: number): Promise<void> {
    const count = await this.store.read('count');
    await this.store.write('count', count + 1); // another record may have read the same count
    const total = await this.store.read('total');
    await this.store.write('total', total + amount);
  }

  async snapshot(): Promise<MetricSnapshot> {
    const count = await this.store.read('count');
    const total = await this.store.read('total'); // a record may have run between the two reads
    return { count, total };
  }
}
