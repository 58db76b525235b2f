import { draw, prng } from './strategies/random.ts';
import type { TaskId } from './types.ts';

/**
 * `random()` values for the exhaustive strategies. They enumerate schedules, not values: a draw
 * in [0, 1) has no finite set of alternatives to try. So each task's k-th draw is fixed by the
 * run seed, the task and k alone. The same schedule then draws the same values, and a draw does
 * not depend on how tasks interleave — DPOR may treat draws as local to their task (one stream
 * for the whole execution would be a shared object DPOR cannot see).
 *
 * A search whose scenario drew values has explored the schedules of one set of draws only: it is
 * not a proof over every value (`used` tells the strategy to say so).
 */
export class FixedDraws {
  private readonly counts: number[] = [];
  /** The task that was chosen last: the one running, so the one drawing. */
  private task: TaskId = 0;
  /** Some execution of this search drew a value. */
  used = false;

  constructor(readonly seed: string) {}

  /** Starts a new execution: every task's draws begin again. */
  reset(): void {
    this.counts.length = 0;
    this.task = 0;
  }

  /** Notes the task a strategy chose: its code runs, and draws, until the next scheduling point. */
  chose(task: TaskId): TaskId {
    this.task = task;
    return task;
  }

  next(): number {
    const k = this.counts[this.task] ?? 0;
    this.counts[this.task] = k + 1;
    this.used = true;
    return draw(prng(`heddle-draws:${this.seed}:${this.task}:${k}`));
  }

  /** Appended to a coverage line when the scenario drew values. */
  caveat(): string {
    return `; random() values fixed by seed ${this.seed} (values are not enumerated: not a proof over other draws)`;
  }
}
