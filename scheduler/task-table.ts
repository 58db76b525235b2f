import type { Frame, Waiting } from './frames.ts';
import type { ChoiceContext } from './strategy.ts';
import type { ObjectId, ObjectInfo, PendingOp, TaskId } from './types.ts';
import type { TraceLog } from './trace-log.ts';

export interface TaskState {
  readonly id: TaskId;
  readonly name: string;
  pending: PendingOp | null;
  /** Settles the promise the task is parked on; null while it runs or after it ends. */
  resume: ((value: unknown) => void) | null;
  /** What the pending op does when the task is chosen; its result resolves the parked promise. */
  effect: (() => unknown) | null;
  done: boolean;
  /** An unref'd timer: does not keep the execution alive. */
  daemon: boolean;
  /** Awaiting a promise heddle does not control (only with a task context). */
  suspended: boolean;
  result: unknown;
  pendingLocation: string | undefined;
  /** The round of `runnable()` that last found this task runnable (a membership test in O(1)). */
  runnableIn: number;
  /**
   * Its instrumented async frames, outermost first: the last (the leaf) is the one whose await is
   * the pending op. Empty for a task whose code heddle sees only at its primitives (legacy).
   */
  frames: Frame[];
  /** What the pending op resumes or performs: an await of a promise, or a requested operation. */
  waiting: Waiting | null;
  /** Choosing its pending op ends it: no code of its own runs after it (a detached operation). */
  finishes: boolean;
  /** Its code is not instrumented: it goes on, after its pending op, until it requests another one. */
  legacy: boolean;
  /** A body the engine called (the scenario's, a spawned task's): an error it throws fails the execution. */
  root: boolean;
}

export const START: PendingOp = { kind: 'start', object: -1 };

/** The tasks of one execution and the questions the scheduler asks about them. */
export class TaskTable {
  readonly all: TaskState[] = [];
  private readonly runnableBuffer: TaskId[] = [];
  private daemons = 0;
  private round = 0;
  /**
   * Whether every task the latest `runnable()` found does an op that may happen later (a response,
   * an immediate; see withTimeAdvances), and the latest time all of them may wait for.
   */
  onlyFlexible = false;
  private flexibleUntil = Number.POSITIVE_INFINITY;

  add(name: string | undefined, pending: PendingOp | null = START): TaskState {
    const id = this.all.length;
    const task: TaskState = { id, name: name ?? (id === 0 ? 'main' : `task${id}`), pending, resume: null,
      effect: null, done: false, daemon: false, suspended: false, result: undefined, pendingLocation: undefined, runnableIn: -1,
      frames: [], waiting: null, finishes: false, legacy: false, root: false };
    this.all.push(task);
    return task;
  }

  get(id: TaskId): TaskState | undefined {
    return this.all[id];
  }

  name(id: TaskId): string {
    return this.all[id]?.name ?? `task ${id}`;
  }

  setDaemon(id: TaskId, daemon: boolean): void {
    const task = this.all[id];
    if (task === undefined || task.daemon === daemon) return;
    task.daemon = daemon;
    this.daemons += daemon ? 1 : -1;
  }

  /** Every task finished, not counting daemons. */
  allFinished(): boolean {
    for (const t of this.all) if (!t.done && !t.daemon) return false;
    return true;
  }

  /** Only daemons are left (checked before every step when there are daemons). */
  onlyDaemonsLeft(): boolean {
    return this.daemons > 0 && this.allFinished();
  }

  firstSuspended(): TaskState | undefined {
    return this.all.find((t) => t.suspended && !t.done);
  }

  /**
   * The runnable tasks, in a buffer reused from step to step (no allocation per step): valid
   * until the next scheduling point, so a strategy that keeps it must copy it.
   */
  runnable(): TaskId[] {
    const out = this.runnableBuffer;
    let n = 0;
    let flexible = true;
    let until = Number.POSITIVE_INFINITY;
    const round = ++this.round;
    const tasks = this.all;
    for (let i = 0; i < tasks.length; i++) {
      const t = tasks[i]!;
      const op = t.pending;
      if (op !== null && !t.done && (op.enabled === undefined || op.enabled())) {
        t.runnableIn = round;
        out[n++] = i;
        if (op.flexible !== true) flexible = false;
        else if (op.flexibleUntil !== undefined && op.flexibleUntil < until) until = op.flexibleUntil;
      }
    }
    this.onlyFlexible = flexible && n > 0;
    this.flexibleUntil = until;
    while (out.length > n) out.pop(); // cheaper than `length = n`, a builtin call
    return out;
  }

  /** Whether the task is in the latest `runnable()` list (or was added to it by `withTimeAdvances`). */
  isRunnable(id: TaskId): boolean {
    return this.all[id]?.runnableIn === this.round;
  }

  /** Every task that has not finished, ascending. */
  live(): TaskId[] {
    const out: TaskId[] = [];
    for (const t of this.all) if (!t.done) out.push(t.id);
    return out;
  }

  earliestWake(): number | null {
    let wake: number | null = null;
    for (const t of this.all) {
      const at = t.pending?.wakeAt;
      if (!t.done && at !== undefined && (wake === null || at < wake)) wake = at;
    }
    return wake;
  }

  /**
   * While every runnable op is flexible (may happen later: onlyFlexible), the earliest sleepers
   * are runnable too, when they wake before every runnable op's `flexibleUntil`: choosing one
   * lets virtual time pass to its wake-up before any response arrives (or an immediate runs).
   */
  withTimeAdvances(runnable: TaskId[]): TaskId[] {
    if (!this.onlyFlexible) return runnable;
    const until = this.flexibleUntil;
    let wake: number | null = null; // the earliest wake-up of a task not runnable yet
    for (const t of this.all) {
      const at = t.pending?.wakeAt;
      if (!t.done && at !== undefined && t.runnableIn !== this.round && (wake === null || at < wake)) wake = at;
    }
    if (wake === null || wake > until) return runnable;
    for (const t of this.all) {
      if (t.done || t.pending?.wakeAt !== wake || t.runnableIn === this.round) continue;
      t.runnableIn = this.round;
      runnable.push(t.id);
    }
    return runnable.sort((a, b) => a - b);
  }
}

/**
 * The ChoiceContext handed to strategies, reused from step to step (strategies must copy what
 * they keep). `live` is computed only when a strategy asks for it.
 */
export class Context implements ChoiceContext {
  runnable: readonly TaskId[] = [];
  current: TaskId | null = null;
  step = 0;
  constructor(private readonly tasks: TaskTable, private readonly trace: TraceLog, private readonly objects: readonly ObjectInfo[]) {}
  get objectCount(): number {
    return this.objects.length;
  }
  birth(object: ObjectId): number | undefined {
    return this.objects[object]?.birth;
  }
  get live(): readonly TaskId[] {
    return this.tasks.live();
  }
  previousStep(): readonly PendingOp[] {
    return this.trace.lastStepOps();
  }
  pending(task: TaskId): PendingOp | null {
    return this.tasks.get(task)?.pending ?? null;
  }
}
