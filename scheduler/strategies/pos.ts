import { conflicts } from '../dependence.ts';
import type { ChoiceContext } from '../strategy.ts';
import type { TaskId } from '../types.ts';
import { draw, SeededStrategy } from './random.ts';

/**
 * POS — partial order sampling (Yuan, Yang, Gu 2018). Each pending event gets a random
 * priority; the highest-priority enabled event runs; after it runs, every pending event that
 * conflicts with it gets a fresh priority. Independent events keep their relative order, so
 * schedules are sampled closer to uniformly over partial orders rather than over interleavings:
 * a rare ordering of two conflicting events is not drowned by the many equivalent ways of
 * interleaving unrelated work.
 */
export class PosStrategy extends SeededStrategy {
  readonly name = 'pos';
  /** Priority of each task's current pending event. */
  private readonly priority = new Map<TaskId, number>();

  constructor(seed: string) {
    super(seed, 'pos:');
  }

  override newExecution(): boolean {
    this.priority.clear();
    return super.newExecution();
  }

  nextTask(ctx: ChoiceContext): TaskId {
    for (const t of ctx.live) if (!this.priority.has(t)) this.priority.set(t, draw(this.rng));
    let chosen = ctx.runnable[0]!;
    for (const t of ctx.runnable) if (this.priority.get(t)! > this.priority.get(chosen)!) chosen = t;
    const event = ctx.pending(chosen);
    if (event !== null) {
      for (const t of ctx.live) {
        const other = ctx.pending(t);
        if (t !== chosen && other !== null && conflicts(event, other)) this.priority.set(t, draw(this.rng));
      }
    }
    // Its next event gets a fresh priority; after a yield, one below every other event, so a
    // spin loop lets the task it waits for run (otherwise fair programs would look livelocked).
    if (event?.kind === 'yield') this.priority.set(chosen, -1 - draw(this.rng));
    else this.priority.delete(chosen);
    return chosen;
  }
}
