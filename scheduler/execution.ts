import { findBlocked, deadlockMessage, objectDescriber, type Describer } from './detectors/deadlock.ts';
import { classifyThrown, describeThrown } from './detectors/thrown.ts';
import { livelockMessage } from './detectors/livelock.ts';
import { captureLocation } from './location.ts';
import { ExecutionRecord } from './record.ts';
import { PruneExecution, ScheduleDivergence, type Strategy } from './strategy.ts';
import { Context, TaskTable, type TaskState } from './task-table.ts';
import { ExternalWork } from './external.ts';
import { stallMessage } from './detectors/stall.ts';
import type { ExecutionObserver, ExecutionOptions } from './execution-types.ts';
import type {
  DataRace,
  ExecutionFailure,
  ExecutionResult,
  ObjectId,
  ObjectInfo,
  PendingOp,
  TaskId,
  TaskInfo,
} from './types.ts';

export type { ExecutionOptions, TaskContext, ExecutionObserver } from './execution-types.ts';

let active: Execution | null = null;

/** The execution that owns the running code, or null outside an exploration. */
export function currentExecution(): Execution | null {
  return active;
}

const NEVER: Promise<never> = new Promise<never>(() => {});
const SUSPENDED: PendingOp = { kind: 'wait', object: -1, enabled: () => false,
  waitsFor: 'it awaits a promise heddle does not control, and no task left will settle it' };

/**
 * One execution = one schedule. Runs the scenario body as task 0; tasks park at every
 * scheduling point and the strategy picks which one resumes.
 *
 * invariant: at most one task is running between two scheduling points. A task runs from the
 * moment `schedule()` resolves its parked promise until it calls `point()` again or ends, and
 * all of that happens in microtasks: no macrotask is ever needed to make progress.
 */
export class Execution {
  private readonly table = new TaskTable();
  private readonly objects: ObjectInfo[] = [];
  private readonly record = new ExecutionRecord();
  private readonly trace = this.record.trace;
  private running: TaskState | null = null;
  private flexiblePending = 0;
  /** Set while the driver decides after the microtasks drained: a stall is final then. */
  private deciding = false;
  private readonly context = new Context(this.table, this.record.trace);
  private readonly external = new ExternalWork();
  private lastRan: TaskId | null = null;
  private finishedWith: ExecutionResult | null = null;
  private resolveDone!: (r: ExecutionResult) => void;
  readonly done: Promise<ExecutionResult>;
  /** Virtual time in milliseconds, owned by the scheduler. */
  now = 0;
  readonly observers: ExecutionObserver[] = [];

  constructor(
    private readonly strategy: Strategy,
    private readonly options: ExecutionOptions,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  get finished(): boolean {
    return this.finishedWith !== null;
  }

  /** Starts the body as task 0. The returned promise settles when the execution ends. */
  start(body: () => unknown): Promise<ExecutionResult> {
    if (active !== null && !active.finished) {
      throw new Error('[internal bug] heddle started an execution while another one was running');
    }
    active = this;
    this.addTask(body, 'main');
    this.schedule();
    return this.done;
  }

  // ---- called by primitives, always from the running task ----

  /** True while some task of this execution is running (not between two steps). */
  get inTask(): boolean {
    return this.running !== null && !this.finished;
  }

  /**
   * Marks a task as a daemon (an unref'd timer): the execution ends once every other task has
   * finished, without waiting for daemons.
   */
  setDaemon(id: TaskId, daemon: boolean): void {
    this.table.setDaemon(id, daemon);
  }

  /** The task that is running now. */
  currentTask(): TaskId {
    const caller = this.caller();
    if (caller === null) throw new Error('[internal bug] no task is running');
    return caller.id;
  }

  /** The task whose code is calling: the running one, or a suspended one that just resumed. */
  private caller(): TaskState | null {
    const id = this.options.tasks?.identify();
    if (id !== undefined) {
      const task = this.table.get(id);
      if (task !== undefined && task.suspended && !task.done) return task;
    }
    return this.running;
  }

  taskName(id: TaskId): string {
    return this.table.name(id);
  }

  /** Registers an object on first use in this execution and returns its id. */
  registerObject(type: string, name: string | undefined, atomic = false): ObjectId {
    const id = this.objects.length;
    this.objects.push({ id, type, name: name ?? `${type}#${id}`, ...(atomic ? { atomic } : {}) });
    return id;
  }

  object(id: ObjectId): ObjectInfo | undefined {
    return this.objects[id];
  }

  /** Index of the latest trace step (observers stamp accesses with it). */
  get lastStep(): number {
    return this.trace.length - 1;
  }

  /** Records a data race seen by a detector; it does not end the execution. */
  addRace(race: DataRace): void {
    this.record.races.push(race);
  }

  /**
   * A scheduling point: record what the running task is about to do, park it, let the strategy
   * choose who goes next. The returned promise resolves when this task is chosen.
   */
  point(op: PendingOp): Promise<void>;
  point<T>(op: PendingOp, effect: () => T): Promise<T>;
  point(op: PendingOp, effect?: () => unknown): Promise<unknown> {
    const task = this.caller();
    if (task === null || this.finished) return NEVER;
    task.pending = op;
    task.effect = effect ?? null;
    if (op.flexible) this.flexiblePending++;
    if (this.options.captureLocations) task.pendingLocation = captureLocation();
    // One promise per step: the effect runs when the task is chosen and its result resolves it,
    // so a primitive needs no async wrapper of its own.
    const parked = new Promise<unknown>((resolve) => {
      task.resume = resolve;
    });
    if (task.suspended) {
      // A suspended task resumed (someone settled its promise) and reached a point: it simply
      // becomes runnable again; whoever is running goes on.
      task.suspended = false;
      if (this.running === null) this.schedule();
      return parked;
    }
    this.running = null;
    this.schedule();
    return parked;
  }

  /** True when steps carry details and locations (an execution replayed for its report). */
  get verbose(): boolean {
    return this.options.captureLocations;
  }

  /**
   * A non-yielding op the running task performs in place (unlock, release, set, task-done):
   * it only ever enables others, so a preemption just before it is equivalent to one at the
   * task's previous scheduling point. It is recorded in the trace and shown to observers.
   */
  note(op: PendingOp): void {
    const task = this.running;
    if (task === null || this.finished) return;
    this.trace.push(task.id, op, false, false, this.options.captureLocations ? captureLocation() : undefined);
    for (const o of this.observers) {
      const failure = o.onStep(task.id, op, false, this);
      if (failure !== null) return this.finish(failure);
    }
  }

  /** Adds a detail (a value read) to the running task's latest step, in verbose executions. */
  annotate(detail: string): void {
    const task = this.running;
    if (task === null) return;
    const i = this.trace.lastIndexOf(task.id);
    if (i >= 0) this.trace.annotate(i, detail);
  }

  /** Spawns a task (not a scheduling point: the child's first step is its own 'start'). */
  spawn(fn: () => unknown, name?: string): TaskId {
    const parent = this.currentTask();
    const child = this.addTask(fn, name);
    this.note({ kind: 'spawn', object: child });
    for (const o of this.observers) o.onSpawn(parent, child);
    return child;
  }

  isTaskDone(id: TaskId): boolean {
    return this.table.get(id)?.done ?? false;
  }

  taskResult(id: TaskId): unknown {
    return this.table.get(id)?.result;
  }

  /** A draw for the code under test, recorded in the schedule. */
  random(): number {
    try {
      const r = this.strategy.nextRandom();
      this.record.randoms.push(r);
      return r;
    } catch (e) {
      if (!(e instanceof ScheduleDivergence)) throw e;
      this.finish({ kind: 'nondeterminism', message: e.message });
      return 0;
    }
  }

  /** Ends the execution because the running code misbehaved (found by a primitive). */
  fail(failure: ExecutionFailure): void {
    this.finish(failure);
  }

  /**
   * Called by the driver once the microtask queue has drained. A live execution then is stuck
   * on a promise heddle does not control: report it and abandon the execution.
   */
  checkStalled(): void {
    if (this.finished) return;
    if (this.options.tasks !== undefined) return this.suspendRunning();
    this.failStalled(this.running);
  }

  /** With a task context: the running task waits on an uncontrolled promise; let others run. */
  private suspendRunning(): void {
    const task = this.running;
    if (task !== null) {
      task.suspended = true;
      task.pending = SUSPENDED;
      this.running = null;
    }
    this.deciding = true;
    try {
      this.schedule();
    } finally {
      this.deciding = false;
    }
  }

  private failStalled(task: TaskState | null): void {
    const last = task ? this.record.lastStepOf(task.id) : null;
    this.finish({ kind: 'nondeterminism', task: task?.id, message: stallMessage(task, last, this.options.tasks !== undefined) });
  }

  // ---- the loop ----

  private addTask(fn: () => unknown, name: string | undefined): TaskId {
    const task = this.table.add(name);
    const id = task.id;
    const context = this.options.tasks;
    new Promise<unknown>((resolve) => (task.resume = resolve))
      .then(context ? () => context.enter(id, fn) : fn)
      .then(
        (value) => this.taskEnded(task, value),
        (error: unknown) => this.taskThrew(task, error),
      );
    return id;
  }

  private taskEnded(task: TaskState, value: unknown): void {
    if (this.finished) return;
    task.done = true;
    task.suspended = false;
    task.result = value;
    if (this.running === task) this.running = null;
    this.schedule();
  }

  private taskThrew(task: TaskState, error: unknown): void {
    if (this.finished) return;
    task.done = true;
    this.finish({ kind: classifyThrown(error), task: task.id, error,
      message: `task ${task.id} '${task.name}' threw: ${describeThrown(error)}` });
  }

  /** Picks and resumes the next task, or ends the execution. */
  private schedule(): void {
    if (this.finished || this.running !== null) return;
    // Daemons (unref'd timers) never keep an execution alive.
    const table = this.table;
    if (table.onlyDaemonsLeft()) return this.finish(null);
    let runnable = table.runnable();
    while (runnable.length === 0) {
      if (table.allFinished()) return this.finish(null);
      const wake = table.earliestWake();
      if (wake === null) {
        if (this.external.busy) return; // a controlled call is doing real work: the watcher waits for it
        const suspended = table.firstSuspended();
        // A task may have just settled a suspended task's promise: its continuation runs in the
        // next microtasks. Decide only once they have drained (the driver calls checkStalled).
        if (suspended !== undefined && !this.deciding) return;
        if (suspended !== undefined) return this.failStalled(suspended);
        const blocked = findBlocked(table.all.filter((t) => !t.done).map((t) => ({ id: t.id, op: t.pending })));
        return this.finish({ kind: 'deadlock', blocked, message: deadlockMessage(blocked, this.describer()) });
      }
      this.now = wake;
      runnable = table.runnable();
    }
    if (this.flexiblePending > 0) runnable = table.withTimeAdvances(runnable);
    if (this.record.steps >= this.options.maxSteps) {
      return this.finish({ kind: 'livelock', message: livelockMessage(this.trace.steps(this.trace.length - 1000), this.options.maxSteps, this.describer().task) });
    }
    const ctx = this.context;
    ctx.runnable = runnable;
    ctx.current = this.lastRan;
    ctx.step = this.record.steps;
    let choice: TaskId;
    try {
      choice = this.strategy.nextTask(ctx);
    } catch (e) {
      if (e instanceof ScheduleDivergence) return this.finish({ kind: 'nondeterminism', message: e.message });
      if (e instanceof PruneExecution) return this.finish(null, true);
      throw e;
    }
    if (!table.isRunnable(choice)) {
      return this.finish({ kind: 'nondeterminism', internal: true,
        message: `[internal bug] strategy ${this.strategy.name} chose task ${choice}, which is not runnable` });
    }
    const task = table.get(choice)!;
    const op = task.pending!;
    if (op.flexible) this.flexiblePending--;
    if (op.wakeAt !== undefined && op.wakeAt > this.now) this.now = op.wakeAt; // chosen to let time pass
    const preempted = this.lastRan !== null && this.lastRan !== choice && table.isRunnable(this.lastRan);
    this.record.chose(choice, op, preempted, task.pendingLocation);
    if (this.observers.length > 0) {
      for (const o of this.observers) {
        const failure = o.onStep(choice, op, true, this);
        if (failure !== null) return this.finish(failure);
      }
    }
    task.pending = null;
    this.lastRan = choice;
    this.running = task;
    const resume = task.resume!;
    const effect = task.effect;
    task.resume = null;
    task.effect = null;
    if (effect === null) return resume(undefined);
    let value: unknown;
    try {
      value = effect();
    } catch (e) {
      return resume(Promise.reject(e)); // the parked promise adopts the rejection
    }
    resume(value);
  }

  // ---- calls whose completion is outside heddle (controlled functions doing real I/O) ----

  /** Tracks a promise heddle does not control but waits for on purpose (a controlled call). */
  trackExternal(promise: Promise<unknown>): void {
    this.external.track(promise);
  }

  /** Resolves once no tracked external promise is pending (at once if none is). */
  externalSettled(): Promise<void> {
    return this.external.settled();
  }

  get waitingOnExternal(): boolean {
    return this.external.busy;
  }

  private describer(): Describer {
    return objectDescriber((id) => this.taskName(id), this.objects);
  }

  private finish(failure: ExecutionFailure | null, pruned = false): void {
    if (this.finished) return;
    const tasks = this.table.all.map((t): TaskInfo => ({ id: t.id, name: t.name }));
    const result = this.record.result(failure, tasks, this.objects, this.table.get(0)?.result, pruned);
    this.finishedWith = result;
    this.running = null;
    if (active === this) active = null;
    this.strategy.endExecution?.(result);
    this.resolveDone(result);
  }
}
