import type { TaskId } from './types.ts';

/**
 * A vector clock: one logical counter per task. `a.happensBefore(b)` when every component of
 * a is ≤ b's: the event stamped a is ordered before the event stamped b. Used for
 * happens-before through synchronisation objects (race detection, DPOR).
 */
export class VectorClock {
  private readonly counts: number[];

  constructor(counts: readonly number[] = []) {
    this.counts = [...counts];
  }

  get(task: TaskId): number {
    return this.counts[task] ?? 0;
  }

  /** Advances the task's own component (a new event of that task). */
  tick(task: TaskId): this {
    this.counts[task] = this.get(task) + 1;
    return this;
  }

  /** Component-wise maximum, in place: this task has now seen everything `other` saw. */
  join(other: VectorClock): this {
    for (let i = 0; i < other.counts.length; i++) {
      const theirs = other.counts[i] ?? 0;
      if (theirs > (this.counts[i] ?? 0)) this.counts[i] = theirs;
    }
    for (let i = 0; i < this.counts.length; i++) this.counts[i] ??= 0;
    return this;
  }

  /** True when every component is ≤ the other's (this event is ordered before, or equal). */
  lessOrEqual(other: VectorClock): boolean {
    for (let i = 0; i < this.counts.length; i++) {
      if ((this.counts[i] ?? 0) > other.get(i)) return false;
    }
    return true;
  }

  /** Neither ordered before the other: the two events are concurrent. */
  concurrentWith(other: VectorClock): boolean {
    return !this.lessOrEqual(other) && !other.lessOrEqual(this);
  }

  clone(): VectorClock {
    return new VectorClock(this.counts);
  }

  toString(): string {
    return `[${this.counts.map((c) => c ?? 0).join(',')}]`;
  }
}
