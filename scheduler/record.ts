import { TraceLog } from './trace-log.ts';
import type { AtomicityViolation, DataRace, ExecutionFailure, ExecutionResult, ObjectInfo, PendingOp, Schedule, TaskId, TaskInfo, TraceStep } from './types.ts';

/** What one execution leaves behind: its trace, its schedule (choices and draws), its races. */
export class ExecutionRecord {
  readonly trace = new TraceLog();
  readonly choices: TaskId[] = [];
  readonly randoms: number[] = [];
  readonly races: DataRace[] = [];
  readonly atomicity: AtomicityViolation[] = [];
  /** What this execution did that heddle did not control, each with its location. */
  readonly uncontrolled: string[] = [];
  /** Steps whose effects on plain state heddle could not see (calls into uninstrumented code). */
  unseen = 0;
  preemptions = 0;
  /** Scheduling points where two or more tasks could run (the strategy had a choice). */
  branches = 0;
  /** State an earlier execution wrote that this one read first (MemoryLog.leak). */
  leak: string | undefined;

  /** A scheduling point: the strategy chose `task`, which performs `op`. */
  chose(task: TaskId, op: PendingOp, preempted: boolean, location: string | undefined): void {
    if (preempted) this.preemptions++;
    this.trace.push(task, op, true, preempted, location);
    this.choices[this.choices.length] = task; // not push(): see TraceLog.push
  }

  get steps(): number {
    return this.choices.length;
  }

  lastStepOf(task: TaskId): { index: number; step: TraceStep } | null {
    const i = this.trace.lastIndexOf(task);
    return i < 0 ? null : { index: i, step: this.trace.step(i) };
  }

  /** The result; TraceStep objects are built only if someone reads `trace`. */
  result(failure: ExecutionFailure | null, tasks: TaskInfo[], objects: readonly ObjectInfo[], value: unknown,
    pruned: boolean, blockedOps?: ExecutionResult['blockedOps']): ExecutionResult {
    const r = new RecordedResult(this.trace, failure, { choices: this.choices, randoms: this.randoms }, tasks, objects,
      this.preemptions, this.races, this.atomicity, value, pruned, this.uncontrolled, this.unseen, this.branches, blockedOps);
    r.leak = this.leak;
    return r;
  }
}

/**
 * An execution's result, whose `trace` is built from the column-wise log on first read. A class
 * on purpose: an object literal with its own getter got a fresh hidden class per execution, and
 * those maps (old space) kept each execution's young objects alive until a full collection —
 * most of a short execution's time went to the garbage collector. Being a class, `trace` is not
 * an own property: derive a result with `withFailure`, not by spreading it.
 */
export class RecordedResult implements ExecutionResult {
  private built: TraceStep[] | null = null;
  leak: string | undefined;

  constructor(
    private readonly log: TraceLog,
    readonly failure: ExecutionFailure | null,
    readonly schedule: Schedule,
    readonly tasks: readonly TaskInfo[],
    readonly objects: readonly ObjectInfo[],
    readonly preemptions: number,
    readonly races: readonly DataRace[],
    readonly atomicity: readonly AtomicityViolation[],
    readonly value: unknown,
    readonly pruned: boolean,
    readonly uncontrolled: readonly string[],
    readonly unseen: number,
    readonly branches: number,
    readonly blockedOps: ExecutionResult['blockedOps'],
  ) {}

  get steps(): number {
    return this.schedule.choices.length;
  }

  get trace(): TraceStep[] {
    return (this.built ??= this.log.steps());
  }

  /** The same execution, ended by another failure (a verdict, a race reported as the failure). */
  withFailure(failure: ExecutionFailure | null): RecordedResult {
    const r = new RecordedResult(this.log, failure, this.schedule, this.tasks, this.objects, this.preemptions, this.races,
      this.atomicity, this.value, this.pruned, this.uncontrolled, this.unseen, this.branches, this.blockedOps);
    r.leak = this.leak;
    return r;
  }
}

/** `result` with another failure, keeping every other field (and a lazy trace lazy). */
export function withFailure(result: ExecutionResult, failure: ExecutionFailure | null): ExecutionResult {
  if (result instanceof RecordedResult) return result.withFailure(failure);
  return { ...result, failure };
}
