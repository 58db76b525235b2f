import { AsyncLock } from '../lock.ts';
import type { MetricSnapshot, MetricStore, MetricsCounter } from './types.ts';

/**
 * The fix: the same store calls, inside one async lock, so a record's read-modify-write of both
 * keys and a snapshot's two reads never overlap another record. The lock is held only around
 * the store calls (no over-locking), and is correct as long as this counter is the store's only
 * writer (several processes would need the store's own atomic increment or a transaction).
 */
export class SafeCounter implements MetricsCounter {
  private readonly lock = new AsyncLock();

  constructor(private readonly store: MetricStore) {}

  record(amount: number): Promise<void> {
    return this.lock.run(async () => {
      const count = await this.store.read('count');
      await this.store.write('count', count + 1);
      const total = await this.store.read('total');
      await this.store.write('total', total + amount);
    });
  }

  snapshot(): Promise<MetricSnapshot> {
    return this.lock.run(async () => {
      const count = await this.store.read('count');
      const total = await this.store.read('total');
      return { count, total };
    });
  }
}
