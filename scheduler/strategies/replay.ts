import { ScheduleDivergence, type ChoiceContext, type Strategy } from '../strategy.ts';
import type { Schedule, TaskId } from '../types.ts';

/**
 * Follows a recorded schedule choice by choice. Where the code no longer fits the schedule it
 * throws ScheduleDivergence with the step and the reason, rather than running another schedule.
 */
export class ReplayStrategy implements Strategy {
  readonly name = 'replay';
  private used = false;
  private randomAt = 0;

  constructor(private readonly schedule: Schedule) {}

  newExecution(): boolean {
    if (this.used) return false;
    this.used = true;
    this.randomAt = 0;
    return true;
  }

  nextTask(ctx: ChoiceContext): TaskId {
    const { choices } = this.schedule;
    if (ctx.step >= choices.length) {
      throw new ScheduleDivergence(`replay diverged at step ${ctx.step}: the schedule ends after ${choices.length} ` +
        `steps but tasks ${ctx.runnable.join(', ')} can still run (the code changed since the token was made?)`);
    }
    const want = choices[ctx.step]!;
    if (!ctx.runnable.includes(want)) {
      const why = !ctx.live.includes(want)
        ? 'which has finished or does not exist'
        : `which is blocked (${ctx.pending(want)?.kind ?? 'no pending op'})`;
      throw new ScheduleDivergence(`replay diverged at step ${ctx.step}: the schedule says task ${want}, ${why}; ` +
        `runnable: ${ctx.runnable.join(', ')} (the code changed since the token was made?)`);
    }
    return want;
  }

  nextRandom(): number {
    const r = this.schedule.randoms[this.randomAt++];
    if (r === undefined) {
      throw new ScheduleDivergence(`replay diverged: the code draws more random numbers than the schedule recorded`);
    }
    return r;
  }

  /** Steps of the schedule that the execution did not reach. */
  unused(stepsRun: number): number {
    return this.schedule.choices.length - stepsRun;
  }
}
