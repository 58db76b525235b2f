import type { ExecutionResult, ObjectId, PendingOp, TaskId } from './types.ts';
import type { PartSpec } from './strategies/dpor-pivots.ts';

/** What a strategy sees at a scheduling point. */
export interface ChoiceContext {
  /**
   * Tasks whose pending op is enabled, in ascending TaskId order. Never empty. The array (like
   * the context itself) is reused from step to step: copy it to keep it.
   */
  readonly runnable: readonly TaskId[];
  /** The task that ran the previous step, or null at the first step. May not be runnable. */
  readonly current: TaskId | null;
  /** Index of this scheduling point in the execution (0-based). */
  readonly step: number;
  /** The pending op of any live task. */
  pending(task: TaskId): PendingOp | null;
  /** Every task that has not finished, runnable or not, in ascending order. */
  readonly live: readonly TaskId[];
  /**
   * The previous step as a whole: the op chosen there and the in-place ops (unlock, set, spawn …)
   * the task performed before reaching this point. Empty at the first step.
   */
  previousStep(): readonly PendingOp[];
  /**
   * How many objects the execution has made so far: ids below it name the same objects in every
   * execution that shares this prefix; an op of a later step may get any id at or above it.
   */
  readonly objectCount: number;
  /** An object's birth (ObjectInfo.birth): its name in every execution that shares the steps that made it. */
  birth(object: ObjectId): number | undefined;
}

/**
 * A strategy picks the next task at each scheduling point: the whole contract an execution
 * needs (Shuttle's Scheduler trait has three methods). What a search says of itself, and being
 * split into slices, are optional capabilities (SearchReport, Sliceable) that explore reads
 * when a strategy has them; decorators add statistics or checks around it.
 */
export interface Strategy {
  readonly name: string;
  /** Prepare the next execution. False when the search is over (exhaustive ones finish). */
  newExecution(): boolean;
  nextTask(ctx: ChoiceContext): TaskId;
  /** A draw in [0, 1) for the code under test (heddle's `random()`). */
  nextRandom(): number;
  /** Told the result of each execution; exhaustive strategies use it to plan the next one. */
  endExecution?(result: ExecutionResult): void;
}

/** What a search says of itself, for reports: its claim, and how to rerun one of its executions. */
export interface SearchReport {
  /** For a strategy that mixes others (portfolio): the one that runs the current execution. */
  readonly activeName?: string;
  /** For seeded strategies: the seed that replays the current execution on its own. */
  readonly executionSeed?: string;
  /** CLI flags besides --strategy and --seed that the seed needs to rerun the current execution (pct's --depth). */
  readonly rerunFlags?: readonly string[];
  /** True when the strategy has proved it explored every schedule in its space. */
  readonly complete?: boolean;
  /**
   * The current execution looks ahead of the search (DPOR's shallow-first probes): a failing one
   * is reported as the next schedule; a passing one is not counted and claims nothing.
   */
  readonly lookahead?: boolean;
  /**
   * For exhaustive strategies: what a search that found no failure has shown, honestly — a
   * proof ("verified: 64 traces, complete") or a bounded claim ("no failure within preemption
   * bound 2"). `schedules` is the number of explored (not pruned) executions.
   */
  coverage?(schedules: number): string;
}

/** The capability of a search split into slices (worker threads, `--shard`), each run apart. */
export interface Sliceable {
  /** The current execution only serves the search (it belongs to another slice, or probes): not counted, not reported. */
  readonly probeOnly?: boolean;
  /** The current execution's place in the whole (unsplit) search; the lowest failing one is reported. */
  readonly executionIndex?: number;
  /**
   * Pass over the next execution without preparing it: another slice of a split search runs it.
   * Afterwards the strategy must be where `newExecution` would have left it, so that later
   * executions are the same however the search is split. Sampling strategies only advance their
   * seeds; without this method a slice prepares the execution and drops it.
   */
  skipExecution?(): boolean;
  /**
   * Whether this slice cannot answer alone (`found`: it found a failure), so that the whole
   * search must run instead: DPOR's slices, whose split may not hold for a scenario and whose
   * order of executions is not the unsplit search's (ExploreResult.wholeNeeded).
   */
  wholeNeeded?(found: boolean): boolean;
  /** A part of a split search that stopped to be cut further: the parts to run instead (DPOR's, dpor-split.ts). */
  readonly cutInto?: readonly PartSpec[] | null;
  /**
   * A part of a split search that stopped because one of its pivots did not hold: that pivot's
   * index among the part's (dpor-split.ts). Its counts are void, as are those of every part cut
   * from the part that pivot was made in, which must run again (without it).
   */
  readonly brokenPivot?: number | null;
}

/** A strategy as explore drives it: the contract, and whichever capabilities it has. */
export type SearchStrategy = Strategy & SearchReport & Sliceable;

/** Passes over the strategy's next execution, the cheap way when it has one. */
export function skipExecution(strategy: SearchStrategy): boolean {
  return strategy.skipExecution?.() ?? strategy.newExecution();
}

/** Checks that slice `index` (0-based) of `count` exists: the split strategies' shared precondition. */
export function checkSlice(index: number, count: number): void {
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`bad slice ${index + 1}/${count}`);
  }
}

/** Thrown by a strategy that cannot follow its plan (replay of a schedule that no longer fits). */
export class ScheduleDivergence extends Error {
  override readonly name = 'ScheduleDivergence';
}

/**
 * Thrown by an exhaustive strategy from nextTask when the rest of the execution can only repeat
 * what was already explored (every runnable task is in the sleep set): the execution ends at
 * once, marked `pruned`, and does not count as an explored schedule.
 */
export class PruneExecution extends Error {
  override readonly name = 'PruneExecution';
}
