import { TraceLog } from './trace-log.ts';
import type { DataRace, ExecutionFailure, ExecutionResult, ObjectInfo, PendingOp, TaskId, TaskInfo, TraceStep } from './types.ts';

/** What one execution leaves behind: its trace, its schedule (choices and draws), its races. */
export class ExecutionRecord {
  readonly trace = new TraceLog();
  readonly choices: TaskId[] = [];
  readonly randoms: number[] = [];
  readonly races: DataRace[] = [];
  preemptions = 0;

  /** A scheduling point: the strategy chose `task`, which performs `op`. */
  chose(task: TaskId, op: PendingOp, preempted: boolean, location: string | undefined): void {
    if (preempted) this.preemptions++;
    this.trace.push(task, op, true, preempted, location);
    this.choices.push(task);
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
    pruned: boolean): ExecutionResult {
    const log = this.trace;
    let trace: TraceStep[] | null = null;
    return {
      failure,
      schedule: { choices: this.choices, randoms: this.randoms },
      get trace(): TraceStep[] {
        return (trace ??= log.steps());
      },
      tasks,
      objects,
      steps: this.choices.length,
      preemptions: this.preemptions,
      races: this.races,
      value,
      ...(pruned ? { pruned } : {}),
    };
  }
}
