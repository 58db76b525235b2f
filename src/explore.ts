import { encodeToken, traceHash } from '../scheduler/codec.ts';
import { ReplayStrategy } from '../scheduler/strategies/replay.ts';
import { withFailure } from '../scheduler/record.ts';
import { ShardStrategy } from '../scheduler/strategies/shard.ts';
import type { SearchStrategy } from '../scheduler/strategy.ts';
import type { PartRun } from '../scheduler/strategies/dpor-split.ts';
import type { PartSpec } from '../scheduler/strategies/dpor-pivots.ts';
import { describeRace, describeRaceWarning } from '../scheduler/detectors/race.ts';
import type { ExecutionResult } from '../scheduler/types.ts';
import type { Scenario } from './scenario.ts';
import { DEFAULT_STRATEGY, EXHAUSTIVE, makeStrategy, type StrategyName } from './strategies.ts';
import { failureRank, type Failure, type RaceWarning } from './failure.ts';
import { plural } from './report/plural.ts';
import { runExecution, maxStepsOf, raceFlags, racePolicy, withDeferredFailure, type RacePolicy } from './run.ts';
import { shrink, type ShrinkOutcome } from './shrink.ts';
import { notInstrumented } from './instrument/runtime.ts';
import { isInstrumented } from './instrument/tracking.ts';
import { seedProblem } from './seed.ts';
import { checkRerun, LEAK_FIX, leakFailure, onlyRerunLeaked } from './rerun.ts';
import { OrderRuns } from './parallel/orders.ts';

/** A scenario that needs instrumentation it did not get (a package it names was loaded without it). */
export class InstrumentationError extends Error {
  override readonly name = 'InstrumentationError';
}

/** Why a search cannot be a proof, as bits (ExploreOptions.onExecution). */
export const Caveat = {
  /** An exhaustive search whose scenario draws random() values: one value per draw, not enumerated. */
  Draws: 1,
  /** The scenario did something heddle does not control (an await of real I/O …). */
  Uncontrolled: 2,
} as const;

export interface ExploreOptions {
  readonly strategy?: StrategyName;
  /** Executions to run at most (default 1000; unlimited for dfs and dpor, which stop when done). */
  readonly iterations?: number;
  /** PCT depth d (default 3). */
  readonly depth?: number;
  /** DFS: at most this many preemptions per schedule (default: iterative deepening 0, 1, 2, …). */
  readonly preemptionBound?: number;
  /** Exhaustive strategies: stop after this many explored schedules (the result is then not complete). */
  readonly maxSchedules?: number;
  /**
   * Run seed for seeded strategies (default '1'): a whole number from 0 to 2^53 − 1, or for pct a
   * `<seed>/<steps>` execution seed (src/seed.ts). The first execution uses it as is.
   */
  readonly seed?: string | number;
  /** Overrides the scenario's maxSteps. */
  readonly maxSteps?: number;
  /** A ready strategy instead of a named one (tests, custom strategies). */
  readonly strategyInstance?: SearchStrategy;
  /** Look for a failing schedule with fewer preemptions before reporting (default true). */
  readonly shrink?: boolean;
  /**
   * Called after each execution, for progress lines, with what keeps the search from being a
   * proof so far (Caveat bits: an exhaustive search over random() draws it does not enumerate,
   * operations heddle does not control), so that the CLI can say so as soon as it is known.
   */
  readonly onExecution?: (schedulesRun: number, caveats: number) => void;
  /** Explore only slice `index` of `count` (0-based) of the executions (workers, --shard). */
  readonly shard?: { readonly index: number; readonly count: number };
  /** Stop before any execution whose index exceeds this (another slice found a failure there). */
  readonly stopAfter?: () => number;
  /**
   * Told the index of a failure as soon as it is found, before it is replayed and shrunk: a
   * split search lowers its shared bound with it, so the other slices stop at once.
   */
  readonly onFailureFound?: (index: number) => void;
  /** DPOR: run this part of a search split among worker threads (src/parallel/split.ts), not the whole search. */
  readonly part?: PartRun;
  /** Overrides the scenario's `races` option (`--races`): 'warn' (default), 'strict' or 'off' (see RacePolicy). */
  readonly races?: RacePolicy;
}

export interface ExploreResult {
  readonly scenario: string;
  readonly verdict: 'pass' | 'fail';
  readonly strategy: string;
  readonly schedulesRun: number;
  readonly stepsRun: number;
  /**
   * True when the search explored its whole space (a proof within its bounds): an exhaustive
   * strategy that finished, or a scenario with no scheduling point (one execution is all there
   * is). Set for a search that reported only a data race too: then the race is all there is to find.
   */
  readonly complete: boolean;
  readonly failure?: Failure;
  /**
   * The schedule the failure was found in: N when it is the N-th schedule the search counted
   * (1-based; pruned executions and DFS's re-deepened repeats are not counted, as in
   * schedulesRun). The text report's "in schedule N". For a split search, N in the unsplit search.
   */
  readonly failureIndex?: number;
  /** The failing execution's place in the unsplit search, an ordering key (what merging split searches orders by). */
  readonly failureOrder?: number;
  /** For a slice of a split search: the order keys of the schedules it counted (see OrderRuns). */
  readonly countedOrders?: readonly number[];
  /** Executions an exhaustive strategy cut short because they could only repeat explored traces. */
  readonly pruned: number;
  /**
   * What the search showed, for a search that ran to its end (no failure, or only a data race,
   * reported after the search): a proof, a bounded claim, or why it was cut. Exhaustive
   * strategies say it; sampling strategies have nothing to add. Absent when a failure stopped the search.
   */
  readonly coverage?: string;
  /** What the executions did that heddle did not control (the first ones met): the result is then no proof. */
  readonly uncontrolled?: readonly string[];
  /**
   * Races the search met and, under races: 'warn', did not fail on: two accesses of a Shared
   * cell unordered by synchronisation (the first execution that showed one, per cell).
   */
  readonly warnings?: readonly RaceWarning[];
  /**
   * A slice of a split DPOR search that cannot answer alone: it found a failure (the one to report
   * is the whole search's first, which no slice knows) or its split does not hold (DporSlice).
   * explore() then runs the whole search; a caller that runs the slices (worker threads) does.
   */
  readonly wholeNeeded?: boolean;
  /** For a slice that handed the search back whole (wholeNeeded): this is the whole search's result, not the slice's. */
  readonly whole?: boolean;
  /** A part of a split DPOR search that was cut after its first executions: the parts to run instead (its own counts are void). */
  readonly cut?: readonly PartSpec[];
  /** A part of a split DPOR search one of whose pivots did not hold (its index; Sliceable.brokenPivot): its counts are void. */
  readonly brokenPivot?: number;
}

export const DEFAULT_ITERATIONS = 1000;
/** Cells whose races a search lists as warnings, at most. */
const MAX_WARNINGS = 10;
/** Distinct things heddle did not control, kept per search (the first ones met). */
const MAX_UNCONTROLLED = 10;

/**
 * What a search that found no failure covered, said honestly: an exhaustive strategy's own line
 * unless something was outside heddle's control (then it is no proof, and says why), and whether
 * some steps' effects were unseen (DPOR ordered them against every step: sound, less reduction).
 */
function honestCoverage(own: string | undefined, uncontrolled: readonly string[], unseen: number): string | undefined {
  if (uncontrolled.length === 0) {
    if (own === undefined || unseen === 0 || !own.startsWith('verified')) return own;
    return `${own} (${plural(unseen, 'step')} called code heddle does not see into, and were ordered against every other step)`;
  }
  const explored = own === undefined ? '' : `${own.replace(/^verified: /, 'explored ').replace(/, complete$/, '')}; `;
  const more = uncontrolled.length > 1 ? ` (and ${uncontrolled.length - 1} more)` : '';
  return `${explored}not a proof: ${uncontrolled[0]}${more}`;
}
export { DEFAULT_MAX_STEPS } from './run.ts';
export const DEFAULT_SEED = '1';

export { runExecution, maxStepsOf, withDeferredFailure, racePolicy, RACE_POLICIES, type RacePolicy } from './run.ts';

/** Explores interleavings of the scenario until a failure or the end of the budget. */
export async function explore(s: Scenario, options: ExploreOptions = {}): Promise<ExploreResult> {
  const result = await searchSlice(s, options);
  if (!result.wholeNeeded) return result;
  // A slice of a split DPOR search reports a failure as the whole search would: its first (DporSlice).
  const whole = await searchSlice(s, { ...options, shard: undefined });
  const why = result.failure !== undefined ? 'the slice found a failure, and only the whole search knows which one it meets first'
    : 'the pivots that split it do not hold for this scenario';
  return { ...whole, whole: true, ...(whole.coverage !== undefined ? { coverage: `${whole.coverage} (the whole search: ${why})` } : {}) };
}

/**
 * explore() for one slice of a split search (options.shard): a DPOR slice that found a failure,
 * or whose split does not hold, says so in `wholeNeeded` rather than running the whole search.
 */
export async function searchSlice(s: Scenario, options: ExploreOptions = {}): Promise<ExploreResult> {
  const missing = notInstrumented(s.options.instrument ?? []);
  if (missing.length > 0) {
    throw new InstrumentationError(`scenario '${s.name}' asks to instrument ${missing.map((m) => `'${m}'`).join(', ')}, but no module of ` +
      `${missing.length === 1 ? 'it' : 'them'} was loaded through heddle's loader: run it with \`npx heddle check\`, or give the vitest ` +
      `plugin the same names (heddleInstrument({ instrument: [...] }))`);
  }
  const name = options.strategy ?? DEFAULT_STRATEGY;
  const seedError = options.seed === undefined ? null : seedProblem(options.seed, name);
  if (seedError !== null) throw new RangeError(seedError);
  const exhaustive = options.strategyInstance === undefined && EXHAUSTIVE.includes(name);
  let caveats = 0;
  // --max-schedules bounds the whole search: split into n slices, each explores at most 1/n of it.
  const perSlice = options.shard && exhaustive && options.maxSchedules !== undefined
    ? Math.ceil(options.maxSchedules / options.shard.count) : undefined;
  const iterations = perSlice ?? options.maxSchedules ?? options.iterations ?? (exhaustive ? Number.POSITIVE_INFINITY : DEFAULT_ITERATIONS);
  const slice = options.shard && exhaustive ? { slice: options.shard } : {};
  const base = options.strategyInstance ?? makeStrategy(name, {
    seed: String(options.seed ?? DEFAULT_SEED),
    ...(options.depth !== undefined ? { depth: options.depth } : {}),
    ...(options.preemptionBound !== undefined ? { preemptionBound: options.preemptionBound } : {}),
    ...slice,
    ...(options.part !== undefined ? { part: options.part } : {}),
    // Code heddle sees only at its primitives may share state heddle cannot see: no reduction
    // for it. An instrumented scenario reports its reads and writes itself.
    ...(s.options.environment && !isInstrumented(s.body) ? { conservative: true } : {}),
  });
  // Sampling strategies are sliced by execution index; an exhaustive one splits its own tree.
  const strategy: SearchStrategy = options.shard && !exhaustive
    ? new ShardStrategy(base, options.shard.index, options.shard.count, iterations) : base;
  let index = -1;
  const maxSteps = maxStepsOf(s, options);
  const shrinking = options.shrink ?? true;
  const policy = racePolicy(s, options.races);
  // A policy other than the scenario's own must be given again to replay its failures.
  const replayFlags = raceFlags(s, policy);
  let schedulesRun = 0;
  let stepsRun = 0;
  let pruned = 0;
  let ran = 0;
  // The scenario never offered a choice (no scheduling point, no draw): its one execution is all there is.
  let lone = false;
  // What the executions did that heddle did not control: a search that met any is no proof.
  const uncontrolled = new Set<string>();
  let unseen = 0;
  // Per racing cell (by name), the first execution that raced on it: listed as warnings.
  const raced = new Map<string, ExecutionResult>();
  const counted = options.shard ? new OrderRuns() : null;
  /** `at`: where the failure was found; `ranToEnd`: the search went on to its end (a deferred failure: a lost update, a strict data race). */
  const finish = async (found?: Failure, at?: FoundAt, ranToEnd = false): Promise<ExploreResult> => {
    const failure = found && replayFlags ? { ...found, replayFlags } : found;
    const warnings = policy === 'warn' ? await raceWarnings(s, raced, maxSteps, policy) : [];
    const finished = failure === undefined || ranToEnd;
    const own = lone ? NO_SCHEDULING_POINT : strategy.coverage?.(schedulesRun);
    const complete = finished && (lone || strategy.complete === true) && uncontrolled.size === 0;
    const shown = finished ? honestCoverage(own, [...uncontrolled], unseen) : undefined;
    const coverage = failure !== undefined && shown !== undefined ? deferredCoverage(shown, complete, failure.kind) : shown;
    return {
      scenario: s.name, verdict: failure ? 'fail' : 'pass', strategy: strategy.name, schedulesRun, stepsRun, pruned, complete,
      ...(failure && at ? { failure, failureIndex: at.schedule, failureOrder: at.order } : {}),
      ...(counted !== null ? { countedOrders: counted.list } : {}),
      ...(strategy.wholeNeeded?.(failure !== undefined) ? { wholeNeeded: true } : {}),
      ...(strategy.cutInto ? { cut: strategy.cutInto } : {}),
      ...(strategy.brokenPivot != null ? { brokenPivot: strategy.brokenPivot } : {}),
      ...(coverage !== undefined ? { coverage } : {}),
      ...(uncontrolled.size > 0 ? { uncontrolled: [...uncontrolled] } : {}),
      ...(warnings.length > 0 ? { warnings } : {}),
    };
  };
  // A lost update or a strict data race does not stop the search: a later execution may show
  // what it breaks (an assertion, a crash), which is the more useful report. Without one, the
  // first lost update is reported, else the first race (failureRank).
  let deferred: { result: ExecutionResult; strategy: string; seed: string | undefined; flags: readonly string[] | undefined; at: FoundAt } | null = null;
  while (schedulesRun < iterations && strategy.newExecution()) {
    index = strategy.executionIndex ?? index + 1;
    if (options.stopAfter !== undefined && index > options.stopAfter()) break;
    const seed = strategy.executionSeed;
    const flags = strategy.rerunFlags;
    const result = await runExecution(s, strategy, maxSteps, false, policy);
    lone = ran++ === 0 && result.failure === null && !result.pruned && result.branches === 0 && result.schedule.randoms.length === 0;
    // Without a choice every slice would run the same execution: the first slice counts it.
    const owned = lone ? (options.shard?.index ?? 0) === 0 : !strategy.probeOnly;
    if (!owned) {
      if (lone) break;
      continue; // another slice owns this execution, or it only probed the search
    }
    stepsRun += result.steps;
    for (const u of result.uncontrolled ?? []) if (uncontrolled.size < MAX_UNCONTROLLED) uncontrolled.add(u);
    unseen += result.unseen ?? 0;
    if (result.pruned) {
      pruned++;
      continue;
    }
    // A look-ahead (DPOR's shallow-first probe) counts only when it fails: it is then the
    // schedule reported. Otherwise it leaves no trace (no deferred failure, no race warning).
    if (strategy.lookahead === true && result.failure === null) continue;
    schedulesRun++;
    counted?.add(index);
    if (exhaustive && result.schedule.randoms.length > 0) caveats |= Caveat.Draws;
    if (uncontrolled.size > 0) caveats |= Caveat.Uncontrolled;
    options.onExecution?.(schedulesRun, caveats);
    const at: FoundAt = { schedule: schedulesRun, order: index };
    const found = strategy.activeName ?? strategy.name;
    // Determinism, sampled: the first and every 64th schedule, and every failing one, run twice
    // (the first of a split search's first part only: the others are cut from it).
    const first = schedulesRun === 1 && (options.part?.spec.depth ?? 0) === 0;
    if (result.failure?.kind !== 'nondeterminism' && (schedulesRun % RECHECK_EVERY === 0 || first || result.failure !== null)) {
      const leak = await checkRerun(s, result, maxSteps, schedulesRun, policy);
      if (leak) {
        options.onFailureFound?.(index);
        return finish(withFlags(await report(s, leak, found, seed, maxSteps, false, policy), flags), at);
      }
    }
    if (result.failure !== null) {
      options.onFailureFound?.(index);
      // Shrinking is abandoned once another slice holds an earlier failure: this one will not be reported.
      const stop = options.stopAfter;
      return finish(withFlags(await report(s, result, found, seed, maxSteps, shrinking, policy, stop ? () => stop() < index : undefined), flags), at);
    }
    const judged = withDeferredFailure(result, policy);
    if (judged.failure !== null && (deferred === null || failureRank(judged.failure.kind) < failureRank(deferred.result.failure!.kind))) {
      deferred = { result: judged, strategy: found, seed, flags, at };
    }
    if (policy === 'warn') {
      for (const race of result.races) {
        const cell = result.objects[race.object]?.name ?? '';
        if (raced.size < MAX_WARNINGS && !raced.has(cell)) raced.set(cell, result);
      }
    }
    if (lone) break;
  }
  if (deferred !== null) {
    const { result, strategy: found, seed, flags } = deferred;
    return finish(withFlags(await report(s, result, found, seed, maxSteps, shrinking, policy), flags), deferred.at, true);
  }
  return finish();
}

/** Where a failure was found: its schedule number (counted as schedulesRun) and its order key in the unsplit search. */
interface FoundAt {
  readonly schedule: number;
  readonly order: number;
}

/** Every this many counted schedules, one is run twice to check that it is a function of its schedule. */
export const RECHECK_EVERY = 64;

/** The coverage of a scenario whose first execution never had two tasks to choose between and drew no value. */
export const NO_SCHEDULING_POINT = 'no choice: one task alone could run at every scheduling point, so one execution is all there is';

/**
 * What a search that reported only a deferred failure (a lost update, a strict data race) covered:
 * no proof of anything, but how far it looked for worse.
 */
function deferredCoverage(coverage: string, complete: boolean, kind: string): string {
  const what = kind === 'atomicity' ? 'the lost update' : 'the data race';
  const explored = coverage.replace(/^verified: /, 'explored ').replace(/^no failure\b/, `no failure besides ${what}`);
  return complete ? `${explored}; ${what} is the only failure` : explored;
}

function withFlags(failure: Failure, flags: readonly string[] | undefined): Failure {
  return flags === undefined || flags.length === 0 || failure.seed === undefined ? failure : { ...failure, rerunFlags: flags };
}

/**
 * Turns a failing execution into a report: replays its schedule with source locations and
 * checks that it fails the same way (a failure that does not reproduce is itself reported).
 */
async function report(s: Scenario, result: ExecutionResult, strategyName: string, seed: string | undefined,
  maxSteps: number, shrinking: boolean, policy: RacePolicy, abandon?: () => boolean): Promise<Failure> {
  const failure = result.failure!;
  let shown = result;
  let shrunk: ShrinkOutcome | null = null;
  if (failure.kind !== 'nondeterminism') {
    const again = withDeferredFailure(await runExecution(s, new ReplayStrategy(result.schedule), maxSteps, true, policy), policy);
    if (again.failure?.kind !== failure.kind) {
      // The rerun read state the failing execution left (a module-level registry it filled), but
      // the failing execution itself started from the state every execution should: its failure
      // stands. It is reported as found — its token replays it in a fresh process, as `replay` does.
      if (onlyRerunLeaked(result, again)) {
        const note = ` (this process cannot run it again: it leaves state the next execution reads — ${again.leak}; ${LEAK_FIX})`;
        return toFailure(s.name, withFailure(result, { ...failure, message: failure.message + note }), strategyName, seed);
      }
      return toFailure(s.name, withFailure(again, leakFailure(result, again)), strategyName, seed);
    }
    shown = again;
    if (shrinking) {
      shrunk = await shrink(s, result, maxSteps, undefined, abandon, policy);
      if (shrunk.result !== result) {
        const located = withDeferredFailure(await runExecution(s, new ReplayStrategy(shrunk.result.schedule), maxSteps, true, policy), policy);
        if (located.failure?.kind === failure.kind) shown = located;
      }
    }
  }
  const out = toFailure(s.name, shown, strategyName, seed);
  const improved = shrunk !== null && shrunk.result !== result;
  return improved ? { ...out, shrunk: { ...shrunk!.from, attempts: shrunk!.attempts } } : out;
}

/** The races of `raced` (one execution per cell), each replayed with source locations and described. */
async function raceWarnings(s: Scenario, raced: ReadonlyMap<string, ExecutionResult>, maxSteps: number,
  policy: RacePolicy): Promise<RaceWarning[]> {
  const warnings: RaceWarning[] = [];
  for (const [cell, result] of raced) {
    const located = await runExecution(s, new ReplayStrategy(result.schedule), maxSteps, true, policy);
    const race = located.races.find((r) => (located.objects[r.object]?.name ?? '') === cell);
    if (race === undefined) continue; // the replay ran differently: checkRerun reports that kind of leak
    warnings.push({ kind: 'data-race', cell, message: describeRaceWarning(race, located), token: encodeToken(s.name, located.schedule, traceHash(located.trace)) });
  }
  return warnings;
}

export function toFailure(name: string, r: ExecutionResult, strategy: string, seed: string | undefined): Failure {
  const f = r.failure!;
  return {
    kind: f.kind, message: f.message, strategy,
    ...(seed !== undefined ? { seed } : {}),
    token: encodeToken(name, r.schedule, traceHash(r.trace)),
    trace: r.trace, tasks: r.tasks, objects: r.objects, steps: r.steps, preemptions: r.preemptions,
    ...(f.task !== undefined ? { task: f.task } : {}),
    ...(f.error !== undefined ? { error: f.error } : {}),
    ...(f.blocked !== undefined ? { blocked: f.blocked } : {}),
    ...(f.internal ? { internal: true } : {}),
    ...(r.races.length > 0 ? { races: r.races.map((race) => describeRace(race, r)),
      raceSteps: r.races.map((race) => [race.first.step, race.second.step] as const) } : {}),
  };
}
