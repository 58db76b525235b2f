import { searchSlice, type ExploreOptions, type ExploreResult } from '../explore.ts';
import type { Scenario } from '../scenario.ts';
import { plural } from '../report/plural.ts';
import { failureRank, type Failure, type RaceWarning } from '../failure.ts';
import type { ReplayOptions, ReplayResult } from '../replay.ts';
import type { SavedReplay } from '../cli/regressions.ts';
import type { Schedule } from '../../scheduler/types.ts';
import type { PartSpec } from '../../scheduler/strategies/dpor-pivots.ts';
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
  /** DPOR split among the workers: the part to run (instead of slice `index`); see explorePart. */
  readonly part?: PartTask;
}

/**
 * A part of a DPOR search split among worker threads, and whether to cut it (one Int32, shared):
 * how many parts wait to be taken, or ALONE when none does and no other thread has joined yet
 * (one will: only a shallow part is cut for it).
 */
export interface PartTask {
  readonly spec: PartSpec;
  readonly waiting: SharedArrayBuffer;
  /** One Int32 per thread, and this thread's: not 0 when the part is void and may stop at once (see exploreParts). */
  readonly stop?: { readonly flags: SharedArrayBuffer; readonly slot: number };
  /** One Int32 per thread, and this thread's: not 0 when another thread wants work (the part gives some away: DporPart.donate). */
  readonly asks?: { readonly flags: SharedArrayBuffer; readonly slot: number };
}

/** What a part gave away (DporPart.donate): its own spec from then on, and the part given. */
export interface Donated {
  readonly kept: PartSpec;
  readonly given: PartSpec;
}

/** `waiting` when no part waits and the thread that runs it is alone so far (see explorePart). */
export const ALONE = -1;

/** While a thread is alone, parts cut this many times are not cut again: parts enough for the threads that join later. */
const ALONE_DEPTH = 2;

/** A whole scenario check in one worker (the CLI's watchdog): its saved regressions, then (with `explore`) its search. */
export interface CheckJob {
  readonly kind: 'check';
  readonly file: string;
  readonly scenario: string;
  readonly options: WorkerTask['options'];
  readonly regressions: string;
  readonly explore: boolean;
}

/** One replay in a worker (the CLI's watchdog). */
export interface ReplayJob {
  readonly kind: 'replay';
  readonly file: string;
  readonly scenario: string;
  readonly token: string;
  readonly options: ReplayOptions;
}

/** What a worker can be asked: a slice of a split search (no `kind`), a check or a replay. */
export type WorkerJob = WorkerTask | CheckJob | ReplayJob;

/** A task sent to a long-lived worker: `id` pairs it with its reply. */
export interface WorkerRequest {
  readonly id: number;
  readonly task: WorkerJob;
  /** Shared with the watchdog (src/parallel/heartbeat.ts). */
  readonly heartbeat?: SharedArrayBuffer;
  /** Post the replayed execution as it stands at this (0-based) choice (`WorkerLocated`). */
  readonly locateStep?: number;
}

/** The outcome of a CheckJob: the saved regressions' replay, then the search (unless a saved one still fails). */
export interface CheckOutcome {
  readonly saved: SavedReplay;
  readonly result?: ExploreResult;
}

/** What the watchdog knows of a worker it stopped (src/parallel/watchdog.ts turns it into a failure). */
export interface Stall {
  readonly inExecution: boolean;
  readonly schedule: Schedule | null;
  readonly schedulesRun: number;
  readonly elapsedMs: number;
  /** The execution up to its last choice, when the worker posted it (a replay with `locateStep`). */
  readonly located?: Failure;
}

/**
 * `user`: the scenario could not be loaded or found, or the input was refused (the user's
 * input), not a crash of heddle; `madeFor`: a token for another scenario (its hash).
 */
export type WorkerReply =
  | { readonly ok: true; readonly result: ExploreResult }
  | { readonly ok: true; readonly check: CheckOutcome }
  | { readonly ok: true; readonly replay: ReplayResult }
  | { readonly ok: false; readonly error: string; readonly user?: boolean; readonly token?: boolean; readonly madeFor?: string; readonly stalled?: Stall };

/** A slice of a split search failed; `user` when the cause is the scenario, not heddle. */
export class SliceError extends Error {
  override readonly name = 'SliceError';
  constructor(message: string, readonly user: boolean, readonly stalled?: Stall) {
    super(message);
  }
}

/** What a worker posts: once, when it has booted, `{ ready: true }`; then a reply (or a located execution) per request. */
export type WorkerMessage = { readonly ready: true } | WorkerResponse;

export interface WorkerResponse {
  readonly id: number;
  readonly reply?: WorkerReply;
  /** Sent before the reply: the replayed execution up to its `locateStep`-th choice. */
  readonly located?: Failure;
  /** Sent before the reply, when another thread asked for work: what the part gave away. */
  readonly donated?: Donated;
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
 * when that failed hard (a lost update or a data race does not stop the others).
 */
export async function exploreSlice(s: Scenario, options: WorkerTask['options'], index: number, count: number,
  bound: BigInt64Array, part?: PartTask, onDonated?: (d: Donated) => void): Promise<ExploreResult> {
  if (part !== undefined) return explorePart(s, options, count, bound, part, onDonated);
  // A DPOR slice that finds a failure hands the search back whole (searchSlice): the others can stop at once.
  const whole = options.strategy === 'dpor' && count > 1;
  const result = await searchSlice(s, {
    ...options,
    shard: { index, count },
    stopAfter: () => readBound(bound),
    onFailureFound: (at) => lowerBound(bound, whole ? -1 : at),
  });
  if (result.failure && failureRank(result.failure.kind) === 0 && result.failureOrder !== undefined) lowerBound(bound, result.failureOrder);
  return result;
}

/**
 * One part of a DPOR search split among `count` workers (DporPart): cut after its first
 * executions when no other part waits to be taken (the first part, the whole search, by
 * ⌈log2 count⌉ + 1 pairs: two parts per worker), so that a worker that runs out of parts finds
 * one — while the thread is alone (the others not started or booting), only parts cut fewer than
 * ALONE_DEPTH times, enough for the threads to come; run to its end otherwise. The cut is a bet that the part is large: it costs a small part
 * its first executions again, and saves a large one from being left to one worker while the others
 * wait (pool/stats-inconsistent.fixed's search is 89 traces on one side of its first pair and 5,803
 * on the other). A part that finds a failure stops every other at once: the whole search runs instead.
 */
function explorePart(s: Scenario, options: WorkerTask['options'], count: number, bound: BigInt64Array, part: PartTask,
  onDonated?: (d: Donated) => void): Promise<ExploreResult> {
  const waiting = new Int32Array(part.waiting);
  const cutBy = (): number => partCuts(part.spec.depth, count, Atomics.load(waiting, 0));
  const stop = part.stop && { flags: new Int32Array(part.stop.flags), slot: part.stop.slot };
  const stopAfter = stop ? () => (Atomics.load(stop.flags, stop.slot) !== 0 ? -1 : readBound(bound)) : () => readBound(bound);
  const asks = part.asks && onDonated && { flags: new Int32Array(part.asks.flags), slot: part.asks.slot };
  const donate = asks && {
    wanted: () => Atomics.load(asks.flags, asks.slot) !== 0,
    give: (kept: PartSpec, given: PartSpec) => {
      Atomics.store(asks.flags, asks.slot, 0);
      onDonated!({ kept, given });
    },
  };
  return searchSlice(s, { ...options, part: { spec: part.spec, cutBy, ...(donate ? { donate } : {}) }, stopAfter, onFailureFound: () => lowerBound(bound, -1) });
}

/** How many pairs to cut a part of `depth` by, among `count` threads, when `waiting` parts wait (or ALONE): see explorePart. */
export function partCuts(depth: number, count: number, waiting: number): number {
  if (depth === 0) return Math.ceil(Math.log2(count)) + 1;
  return waiting === 0 || (waiting === ALONE && depth < ALONE_DEPTH) ? 1 : 0;
}

/**
 * Merges the results of the slices of one search: the failure at the lowest execution order
 * wins (what a single process would have found first); a hard failure outranks a lost update,
 * which outranks a data race (failureRank): the search reports those only when nothing harder
 * turned up. The failure's schedule number is the unsplit search's: the schedules every slice
 * counted up to it. Race warnings are pooled, one per cell (the least token of those met). `split`: what the search was split over, and into
 * what (a DPOR search split among workers: the parts they took, whose number depends on timing).
 */
export function mergeResults(results: readonly ExploreResult[], split?: { readonly over: string; readonly piece: string }): ExploreResult {
  const { over, piece } = split ?? { over: plural(results.length, 'slice'), piece: 'slice' };
  if (results.length === 0) throw new RangeError('nothing to merge');
  // A DPOR slice that ran the whole search itself answers for every slice.
  const whole = results.find((r) => r.whole === true);
  if (whole !== undefined) return whole;
  const failing = results.filter((r) => r.failure !== undefined);
  const winner = failing.sort((a, b) => failureRank(a.failure!.kind) - failureRank(b.failure!.kind)
    || (a.failureOrder ?? 0) - (b.failureOrder ?? 0))[0];
  const warnings = new Map<string, RaceWarning>();
  // One per cell, as one search lists them: the same whichever slice met it first (the least token).
  for (const r of results) {
    for (const w of r.warnings ?? []) {
      const kept = warnings.get(w.cell);
      if (kept === undefined || w.token < kept.token) warnings.set(w.cell, w);
    }
  }
  const first = results[0]!;
  const schedulesRun = results.reduce((n, r) => n + r.schedulesRun, 0);
  // A search stopped by a hard failure covers nothing to speak of; one that ran to its end (no failure, a deferred one) does.
  const ranToEnd = !winner || failureRank(winner.failure!.kind) > 0;
  const what = winner?.failure!.kind === 'atomicity' ? 'the lost update' : 'the data race';
  const complete = ranToEnd && results.every((r) => r.complete);
  const unit = first.strategy === 'dpor' ? 'trace' : 'schedule';
  const coverage = !ranToEnd || !results.every((r) => r.coverage !== undefined) ? undefined
    : complete ? `${winner ? 'explored' : 'verified:'} ${plural(schedulesRun, unit)} over ${over}, complete` +
      (winner ? `; ${what} is the only failure` : '')
    : `${winner ? `no failure besides ${what}` : 'no failure'}; not every ${piece} completed (${results.map((r) => r.coverage).join('; ')})`;
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
    ...(warnings.size > 0 ? { warnings: [...warnings.values()] } : {}),
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
