import { checkSlice, skipExecution, type ChoiceContext, type SearchStrategy } from '../strategy.ts';
import type { ExecutionResult, TaskId } from '../types.ts';

/**
 * One deterministic slice of a sampling strategy's executions: execution i (counting from 0 in
 * the inner strategy's own sequence) belongs to slice i mod count. Skipped executions only
 * advance the inner strategy's seeds, so execution i is the same schedule however the search is
 * split. The first `probes` executions run in every slice — adaptive strategies (PCT's step
 * estimate) calibrate on them — but count only in their own slice (`probeOnly` elsewhere).
 */
export class ShardStrategy implements SearchStrategy {
  private at = -1;
  probeOnly = false;

  constructor(
    private readonly inner: SearchStrategy,
    readonly index: number,
    readonly count: number,
    private readonly limit: number,
    private readonly probes = 4,
  ) {
    checkSlice(index, count);
  }

  get name(): string {
    return this.inner.name;
  }

  get activeName(): string | undefined {
    return this.inner.activeName;
  }

  get executionSeed(): string | undefined {
    return this.inner.executionSeed;
  }

  get complete(): boolean | undefined {
    return this.inner.complete;
  }

  /** The current execution's index in the whole (unsplit) search. */
  get executionIndex(): number {
    return this.at;
  }

  newExecution(): boolean {
    for (;;) {
      if (this.at + 1 >= this.limit) return false;
      this.at++;
      const mine = this.at % this.count === this.index;
      if (mine || this.at < this.probes) {
        if (!this.inner.newExecution()) return false;
        this.probeOnly = !mine;
        return true;
      }
      if (!skipExecution(this.inner)) return false;
    }
  }

  nextTask(ctx: ChoiceContext): TaskId {
    return this.inner.nextTask(ctx);
  }

  nextRandom(): number {
    return this.inner.nextRandom();
  }

  endExecution(result: ExecutionResult): void {
    this.inner.endExecution?.(result);
  }
}
