import { Shared } from 'heddle';
import type { CounterSnapshot, MetricsCounter } from './types.ts';

interface State {
  readonly counts: ReadonlyMap<string, number>;
  readonly total: number;
}

/**
 * The fix without a lock: counts and total live in one immutable state, replaced in one atomic
 * step, so an increment is never lost and a snapshot is one read of a consistent state.
 */
export class SafeCounter implements MetricsCounter {
  private readonly state = Shared.atomic<State>({ counts: new Map(), total: 0 }, 'state');

  async increment(name: string, n = 1): Promise<void> {
    await this.state.update(({ counts, total }) => {
      const next = new Map(counts);
      next.set(name, (counts.get(name) ?? 0) + n);
      return { counts: next, total: total + n };
    });
  }

  async get(name: string): Promise<number> {
    return (await this.state.get()).counts.get(name) ?? 0;
  }

  async snapshot(): Promise<CounterSnapshot> {
    const { counts, total } = await this.state.get();
    return { counts: Object.fromEntries(counts), total };
  }
}
