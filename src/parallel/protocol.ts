import { explore, type ExploreOptions, type ExploreResult } from '../explore.ts';
import type { Scenario } from '../scenario.ts';
import { plural } from '../report/plural.ts';
import { countAtMost } from './orders.ts';

/** What a worker is asked to do: one slice of one scenario's search. */
export interface WorkerTask {
  readonly file: string;
  readonly scenario: string;
  readonly options: Omit<ExploreOptions, 'strategyInstance' | 'onExecution' | 'stopAfter' | 'shard'>;
  readonly index: number;
  readonly count: number;
  /** One BigInt64: the lowest execution index at which some slice found a failure. */
  readonly bound: SharedArrayBuffer;
}

/** A task sent to a long-lived worker: `id` pairs it with its reply. */
export interface WorkerRequest {
  readonly id: number;
  readonly task: WorkerTask;
}

/** `user`: the scenario could not be loaded or found (the user's input), not a crash of heddle. */
export type WorkerReply = { readonly ok: true; readonly result: ExploreResult } | { readonly ok: false; readonly error: string; readonly user?: boolean };

/** A slice of a split search failed; `user` when the cause is the scenario, not heddle. */
export class SliceError extends Error {
  override readonly name = 'SliceError';
  constructor(message: string, readonly user: boolean) {
    super(message);
  }
}

export interface WorkerResponse {
  readonly id: number;
  readonly reply: WorkerReply;
}

/** No failure yet: execution indices go up to 2^53 (a split search orders slices, then executions). */
export const NO_BOUND = BigInt(Number.MAX_SAFE_INTEGER);

/** A fresh shared bound, holding NO_BOUND. */
export function newBound(): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(8);
  new BigInt64Array(buffer)[0] = NO_BOUND;
  return buffer;
}

/** Reads the shared bound as a number (for `stopAfter`). */
export function readBound(bound: BigInt64Array): number {
  return Number(Atomics.load(bound, 0));
}

/** Lowers the shared bound to `index` if it is lower (a compare-and-swap loop). */
export function lowerBound(bound: BigInt64Array, index: number): void {
  const wanted = BigInt(index);
  for (;;) {
    const current = Atomics.load(bound, 0);
    if (wanted >= current || Atomics.compareExchange(bound, 0, current, wanted) === current) return;
  }
}

/**
 * Explores slice `index` of `count` of a search, in whichever thread: it stops at the shared
 * bound, lowers it as soon as it finds a failure, and once more with the failure it reports
 * when that failed hard (a data race does not stop the others).
 */
export async function exploreSlice(s: Scenario, options: WorkerTask['options'], index: number, count: number,
  bound: BigInt64Array): Promise<ExploreResult> {
  const result = await explore(s, {
    ...options,
    shard: { index, count },
    stopAfter: () => readBound(bound),
    onFailureFound: (at) => lowerBound(bound, at),
  });
  if (result.failure && result.failure.kind !== 'data-race' && result.failureOrder !== undefined) lowerBound(bound, result.failureOrder);
  return result;
}

/**
 * Merges the results of the slices of one search: the failure at the lowest execution order
 * wins (what a single process would have found first); a hard failure outranks a data race,
 * which the search reports only when nothing harder turned up. The failure's schedule number is
 * the unsplit search's: the schedules every slice counted up to it.
 */
export function mergeResults(results: readonly ExploreResult[]): ExploreResult {
  if (results.length === 0) throw new RangeError('nothing to merge');
  const failing = results.filter((r) => r.failure !== undefined);
  const hard = failing.filter((r) => r.failure!.kind !== 'data-race');
  const pool = hard.length > 0 ? hard : failing;
  const winner = pool.sort((a, b) => (a.failureOrder ?? 0) - (b.failureOrder ?? 0))[0];
  const first = results[0]!;
  const schedulesRun = results.reduce((n, r) => n + r.schedulesRun, 0);
  // A search stopped by a hard failure covers nothing to speak of; one that ran to its end (no failure, a race) does.
  const ranToEnd = !winner || winner.failure!.kind === 'data-race';
  const complete = ranToEnd && results.every((r) => r.complete);
  const unit = first.strategy === 'dpor' ? 'trace' : 'schedule';
  const coverage = !ranToEnd || !results.every((r) => r.coverage !== undefined) ? undefined
    : complete ? `${winner ? 'explored' : 'verified:'} ${plural(schedulesRun, unit)} over ${plural(results.length, 'slice')}, complete` +
      (winner ? '; the data race is the only failure' : '')
    : `${winner ? 'no failure besides the data race' : 'no failure'}; not every slice completed (${results.map((r) => r.coverage).join('; ')})`;
  return {
    scenario: first.scenario,
    verdict: winner ? 'fail' : 'pass',
    strategy: first.strategy,
    schedulesRun,
    stepsRun: results.reduce((n, r) => n + r.stepsRun, 0),
    pruned: results.reduce((n, r) => n + r.pruned, 0),
    complete,
    ...(winner ? { failure: winner.failure!, failureIndex: scheduleNumber(results, winner), failureOrder: winner.failureOrder! } : {}),
    ...(coverage !== undefined ? { coverage } : {}),
  };
}

/**
 * The winner's schedule number in the unsplit search: the schedules of every slice ordered at or
 * before it. Every slice ran all of its executions up to the winner (the shared bound never falls
 * below it), so their counts are exact.
 */
function scheduleNumber(results: readonly ExploreResult[], winner: ExploreResult): number {
  if (results.length === 1 || results.some((r) => r.countedOrders === undefined)) return winner.failureIndex!;
  return results.reduce((n, r) => n + countAtMost(r.countedOrders!, winner.failureOrder!), 0);
}
