import type { ExploreOptions, ExploreResult } from '../explore.ts';

/** What a worker is asked to do: one slice of one scenario's search. */
export interface WorkerTask {
  readonly file: string;
  readonly scenario: string;
  readonly options: Omit<ExploreOptions, 'strategyInstance' | 'onExecution' | 'stopAfter' | 'shard'>;
  readonly index: number;
  readonly count: number;
  /** One Int32: the lowest execution index at which some worker found a failure. */
  readonly bound: SharedArrayBuffer;
}

export type WorkerReply = { readonly ok: true; readonly result: ExploreResult } | { readonly ok: false; readonly error: string };

export const NO_BOUND = 0x7fffffff;

/** Lowers the shared bound to `index` if it is lower (a compare-and-swap loop). */
export function lowerBound(bound: Int32Array, index: number): void {
  for (;;) {
    const current = Atomics.load(bound, 0);
    if (index >= current || Atomics.compareExchange(bound, 0, current, index) === current) return;
  }
}

/**
 * Merges the results of the slices of one search: the failure at the lowest execution index
 * wins (what a single process would have found first); a hard failure outranks a data race,
 * which the search reports only when nothing harder turned up.
 */
export function mergeResults(results: readonly ExploreResult[]): ExploreResult {
  if (results.length === 0) throw new RangeError('nothing to merge');
  const failing = results.filter((r) => r.failure !== undefined);
  const hard = failing.filter((r) => r.failure!.kind !== 'data-race');
  const pool = hard.length > 0 ? hard : failing;
  const winner = pool.sort((a, b) => (a.failureIndex ?? 0) - (b.failureIndex ?? 0))[0];
  const first = results[0]!;
  return {
    scenario: first.scenario,
    verdict: winner ? 'fail' : 'pass',
    strategy: first.strategy,
    schedulesRun: results.reduce((n, r) => n + r.schedulesRun, 0),
    stepsRun: results.reduce((n, r) => n + r.stepsRun, 0),
    pruned: results.reduce((n, r) => n + r.pruned, 0),
    complete: !winner && results.every((r) => r.complete),
    ...(winner ? { failure: winner.failure!, failureIndex: winner.failureIndex! } : {}),
    ...(!winner && results.every((r) => r.coverage !== undefined) ? { coverage: results.every((r) => r.complete)
      ? `verified: ${results.reduce((n, r) => n + r.schedulesRun, 0).toLocaleString('en')} traces over ${results.length} slices, complete`
      : `no failure; not every slice completed (${results.map((r) => r.coverage).join('; ')})` } : {}),
  };
}
