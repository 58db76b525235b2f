import { Shared } from 'heddle';
import type { CounterSnapshot, MetricsCounter } from './types.ts';

/**
 * The seed's counter, ported as written: each counter and the total are read, then written
 * (`value += n` across an await), and the per-name count and the total change in separate
 * steps. Bugs: lost updates; a snapshot whose total is not the sum of its counts.
 */
export class BuggyCounter implements MetricsCounter {
  private readonly counts = new Shared<ReadonlyMap<string, number>>(new Map(), 'counts');
  private readonly total = new Shared(0, 'total');

  async increment(name: string, n = 1): Promise<void> {
    const counts = await this.counts.get();
    const next = new Map(counts);
    next.set(name, (counts.get(name) ?? 0) + n);
    await this.counts.set(next); // another increment may have written in between: lost
    const total = await this.total.get();
    await this.total.set(total + n);
  }

  async get(name: string): Promise<number> {
    return (await this.counts.get()).get(name) ?? 0;
  }

  async snapshot(): Promise<CounterSnapshot> {
    const counts = await this.counts.get();
    const total = await this.total.get(); // an increment may sit between the two reads
    return { counts: Object.fromEntries(counts), total };
  }
}
