import type { ChoiceContext } from '../strategy.ts';
import type { TaskId } from '../types.ts';

/**
 * A default schedule to measure others against (the deterministic scheduler of delay bounding,
 * Emmi, Qadeer, Rakamarić, POPL 2011): the running task goes on while it can, and when it blocks
 * or ends, the task that has waited longest runs (first in, first out, as the event loop's queue).
 * DFS counts a schedule's deviations from it — each step that runs another task than this order
 * would — and deepens over that count, so schedules one deviation away (a single preemption,
 * or a single task taken out of turn) come right after the default one. Counting preemptions
 * instead leaves every order of the tasks free: with ten tasks, 10! schedules before the first
 * preemption.
 *
 * A task waits from the step it last ran, or from the step it first appeared (was spawned); ties
 * go to the lower task id (the one made first). Call `ran` at every scheduling point, replayed or
 * new, so the order depends only on the schedule prefix.
 */
export class WaitOrder {
  private readonly since = new Map<TaskId, number>();

  reset(): void {
    this.since.clear();
  }

  /** Records that `task` was chosen at this scheduling point. */
  ran(ctx: ChoiceContext, task: TaskId): void {
    this.see(ctx);
    this.since.set(task, ctx.step);
  }

  /** The runnable tasks, the default choice first, then by how long they have waited. */
  order(ctx: ChoiceContext): TaskId[] {
    this.see(ctx);
    const waiting = [...ctx.runnable].sort((a, b) => this.since.get(a)! - this.since.get(b)! || a - b);
    const current = ctx.current;
    if (current === null || !ctx.runnable.includes(current)) return waiting;
    return [current, ...waiting.filter((t) => t !== current)];
  }

  private see(ctx: ChoiceContext): void {
    for (const t of ctx.live) if (!this.since.has(t)) this.since.set(t, ctx.step);
  }
}
