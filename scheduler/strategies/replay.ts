import { ScheduleDivergence, type ChoiceContext, type Strategy } from '../strategy.ts';
import type { Schedule, TaskId } from '../types.ts';

/**
 * Follows a recorded schedule choice by choice. Where the code no longer fits the schedule it
 * throws ScheduleDivergence with the step and the reason, rather than running another schedule,
 * and keeps the reason in `divergence` (the execution ends as a nondeterminism failure).
 */
export class ReplayStrategy implements Strategy {
  readonly name = 'replay';
  private used = false;
  private randomAt = 0;
  /** Why the execution left the schedule, or null while it follows it. */
  divergence: string | null = null;

  constructor(private readonly schedule: Schedule) {}

  newExecution(): boolean {
    if (this.used) return false;
    this.used = true;
    this.randomAt = 0;
    this.divergence = null;
    return true;
  }

  nextTask(ctx: ChoiceContext): TaskId {
    const { choices } = this.schedule;
    if (ctx.step >= choices.length) {
      throw this.diverged(`replay diverged at step ${ctx.step}: the schedule ends after ${choices.length} ` +
        `steps, but task${ctx.runnable.length === 1 ? '' : 's'} ${ctx.runnable.join(', ')} can still run`);
    }
    const want = choices[ctx.step]!;
    if (!ctx.runnable.includes(want)) {
      const why = !ctx.live.includes(want)
        ? 'which has finished or does not exist'
        : `which is blocked (${ctx.pending(want)?.kind ?? 'no pending op'})`;
      throw this.diverged(`replay diverged at step ${ctx.step}: the schedule says task ${want}, ${why}; ` +
        `runnable: ${ctx.runnable.join(', ')}`);
    }
    return want;
  }

  nextRandom(): number {
    const r = this.schedule.randoms[this.randomAt++];
    if (r === undefined) {
      throw this.diverged(`replay diverged: the code draws more random numbers than the schedule recorded ` +
        `(${this.schedule.randoms.length})`);
    }
    return r;
  }

  private diverged(message: string): ScheduleDivergence {
    this.divergence = message;
    return new ScheduleDivergence(message);
  }
}
