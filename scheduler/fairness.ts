import type { TaskId } from './types.ts';

/** Steps a task may spin, changing nothing, while another task could run (see Fairness). */
export const FAIR_SPIN = 500;

/**
 * A task that took FAIR_SPIN steps changing nothing (only reads and awaits) while another task
 * could run, with no change anywhere since, is spinning on something only another task can
 * change — a polling loop, `while (!ready) await null`. Node would have run that other
 * continuation long before (microtasks run in the order they were queued), so such tasks leave
 * the runnable set while any task that did not spin can run, until some step changes something.
 * Without this, a search that keeps the running task (dfs, dpor, pct) ran the spin to maxSteps
 * and reported a livelock no Node run can have. Only a spin no other task can end is a livelock
 * (every runnable task spun).
 */
export class Fairness {
  /** Per task: its steps since the last change anywhere that changed nothing while another task could run. */
  private readonly quiet: number[] = [];
  /** Tasks that spun FAIR_SPIN such steps since the last change: they let the others run first. */
  private readonly spun = new Set<TaskId>();

  /**
   * The tasks to offer the strategy at this choice: `runnable`, less the spinners while another
   * can run. `last` ran the step before; `changed`: that step changed state another task could see.
   */
  filter(runnable: TaskId[], last: TaskId | null, changed: boolean): TaskId[] {
    if (last === null) return runnable;
    if (changed) {
      if (this.spun.size > 0) this.spun.clear();
      this.quiet.length = 0;
      return runnable;
    }
    if (runnable.length > 1 || runnable[0] !== last) {
      const n = (this.quiet[last] ?? 0) + 1;
      this.quiet[last] = n;
      if (n >= FAIR_SPIN) this.spun.add(last);
    }
    if (this.spun.size === 0) return runnable;
    const fresh = runnable.filter((t) => !this.spun.has(t));
    return fresh.length > 0 ? fresh : runnable;
  }
}
