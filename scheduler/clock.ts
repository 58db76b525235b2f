import type { TaskId } from './types.ts';

/**
 * A vector clock: one logical counter per task. `a.happensBefore(b)` when every component of
 * a is ≤ b's: the event stamped a is ordered before the event stamped b. Used for
 * happens-before through synchronisation objects (race detection, DPOR).
 */
export class VectorClock {
  // Dense, never holey: a store past the end of an array (tick of a task not seen yet) made it
  // holey and went through the runtime, a few percent of a short execution's time.
  private readonly counts: number[];

  constructor(counts: readonly number[] = []) {
    this.counts = counts.slice();
  }

  get(task: TaskId): number {
    return task < this.counts.length ? this.counts[task]! : 0;
  }

  /** Extends with zeros to `size` components. */
  private widen(size: number): void {
    const counts = this.counts;
    while (counts.length < size) counts.push(0);
  }

  /** Advances the task's own component (a new event of that task). */
  tick(task: TaskId): this {
    if (task >= this.counts.length) this.widen(task + 1);
    this.counts[task]!++;
    return this;
  }

  /** Component-wise maximum, in place: this task has now seen everything `other` saw. */
  join(other: VectorClock): this {
    const theirs = other.counts;
    if (theirs.length > this.counts.length) this.widen(theirs.length);
    const mine = this.counts;
    for (let i = 0; i < theirs.length; i++) if (theirs[i]! > mine[i]!) mine[i] = theirs[i]!;
    return this;
  }

  /** True when every component is ≤ the other's (this event is ordered before, or equal). */
  lessOrEqual(other: VectorClock): boolean {
    for (let i = 0; i < this.counts.length; i++) {
      if (this.counts[i]! > other.get(i)) return false;
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
    return `[${this.counts.join(',')}]`;
  }
}
