import type { ChoiceContext, SearchStrategy } from 'heddle';
import type { ExecutionResult } from '../../scheduler/types.ts';

/**
 * Wraps a strategy and shows every explored execution to `see` (probes of a split search, DPOR's
 * look-aheads and pruned executions are skipped: they are not explored schedules; with
 * `lookaheads`, DPOR's look-aheads are shown too — every execution that ran to its end).
 */
export class Observing implements SearchStrategy {
  constructor(private readonly inner: SearchStrategy, private readonly see: (result: ExecutionResult) => void,
    private readonly options: { readonly lookaheads?: boolean } = {}) {}
  get name() { return this.inner.name; }
  get complete() { return this.inner.complete; }
  get probeOnly() { return this.inner.probeOnly; }
  get lookahead() { return this.inner.lookahead; }
  get executionIndex() { return this.inner.executionIndex; }
  newExecution() { return this.inner.newExecution(); }
  nextTask(ctx: ChoiceContext) { return this.inner.nextTask(ctx); }
  nextRandom() { return this.inner.nextRandom(); }
  endExecution(result: ExecutionResult) {
    this.inner.endExecution?.(result);
    if (!this.inner.probeOnly && (this.options.lookaheads || !this.inner.lookahead) && !result.pruned) this.see(result);
  }
}
