import type { PendingOp, TaskId, TraceStep } from './types.ts';
import { OPS } from './ops.ts';

const CHOICE = 1;
const PREEMPTED = 2;

/**
 * The trace of one execution, stored column-wise (task, op, flags) so that a step allocates no
 * object of its own; TraceStep objects are made only when someone reads the trace (a report,
 * an exhaustive strategy), which most passing executions never do.
 */
export class TraceLog {
  private readonly taskOf: TaskId[] = [];
  private readonly opOf: PendingOp[] = [];
  private readonly flagsOf: number[] = [];
  private details: Map<number, string> | null = null;
  private locations: Map<number, string> | null = null;

  get length(): number {
    return this.taskOf.length;
  }

  push(task: TaskId, op: PendingOp, choice: boolean, preempted: boolean, location: string | undefined): void {
    // Stores past the end, not Array.prototype.push: the optimizing compiler inlines a growing
    // store but calls the push builtin here, and that call was a sixth of a step's instructions.
    const n = this.taskOf.length;
    this.taskOf[n] = task;
    this.opOf[n] = op;
    this.flagsOf[n] = (choice ? CHOICE : 0) | (preempted ? PREEMPTED : 0);
    if (location !== undefined) (this.locations ??= new Map()).set(n, location);
  }

  task(i: number): TaskId {
    return this.taskOf[i]!;
  }

  /** Appends a detail (a value read) to step i. */
  annotate(i: number, detail: string): void {
    const details = (this.details ??= new Map());
    const before = details.get(i) ?? this.opOf[i]!.detail;
    details.set(i, before === undefined ? detail : `${before} ${detail}`);
  }

  /** The ops from the last scheduling point to the end (the step still being run). */
  lastStepOps(): PendingOp[] {
    let i = this.flagsOf.length - 1;
    while (i >= 0 && (this.flagsOf[i]! & CHOICE) === 0) i--;
    return i < 0 ? [] : this.opOf.slice(i);
  }

  /**
   * Whether the last step (from the last scheduling point on) changed state another task could
   * see: an op of OPS's `progress` kind other than a promise's settling (a loop that only awaits
   * settles its own promises every turn).
   */
  lastStepChanged(): boolean {
    for (let i = this.flagsOf.length - 1; i >= 0; i--) {
      const kind = this.opOf[i]!.kind;
      if (OPS[kind].progress && kind !== 'settle') return true;
      if ((this.flagsOf[i]! & CHOICE) !== 0) return false;
    }
    return false;
  }

  lastIndexOf(task: TaskId): number {
    return this.taskOf.lastIndexOf(task);
  }

  step(i: number): TraceStep {
    const op = this.opOf[i]!;
    const flags = this.flagsOf[i]!;
    return {
      task: this.taskOf[i]!, kind: op.kind, object: op.object, detail: this.details?.get(i) ?? op.detail,
      choice: (flags & CHOICE) !== 0, preempted: (flags & PREEMPTED) !== 0, location: this.locations?.get(i),
    };
  }

  /** Steps from `from` to the end as TraceStep objects. */
  steps(from = 0): TraceStep[] {
    const out: TraceStep[] = [];
    for (let i = Math.max(0, from); i < this.taskOf.length; i++) out.push(this.step(i));
    return out;
  }
}
