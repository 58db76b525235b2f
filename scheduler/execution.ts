import { findBlocked, deadlockMessage } from './detectors/deadlock.ts';
import { classifyThrown, describeThrown } from './detectors/thrown.ts';
import { livelockMessage } from './detectors/livelock.ts';
import { captureLocation } from './location.ts';
import { TraceLog } from './trace-log.ts';
import { ScheduleDivergence, type ChoiceContext, type Strategy } from './strategy.ts';
import type {
  DataRace,
  ExecutionFailure,
  ExecutionResult,
  ObjectId,
  ObjectInfo,
  PendingOp,
  TaskId,
  TaskInfo,
  TraceStep,
} from './types.ts';

export interface ExecutionOptions {
  /** Scheduling points allowed before the execution is reported as a livelock. */
  readonly maxSteps: number;
  /** Capture a source location per step (slow: used only to report a failure). */
  readonly captureLocations: boolean;
  /**
   * For code not written for heddle (a scenario with an environment): names the task whose code
   * is running now, from an async context that follows promise continuations, and runs a task's
   * body inside that context. With it, a task that awaits a promise heddle does not control is
   * suspended instead of failing the execution: other tasks run, and the task resumes when some
   * task settles the promise (a timer callback, an emitter listener).
   */
  readonly tasks?: TaskContext;
}

export interface TaskContext {
  identify(): TaskId | undefined;
  enter<T>(task: TaskId, fn: () => T): T;
}

interface TaskState {
  readonly id: TaskId;
  readonly name: string;
  pending: PendingOp | null;
  /** Settles the promise the task is parked on; null while it runs or after it ends. */
  resume: ((value: unknown) => void) | null;
  /** What the pending op does when the task is chosen; its result resolves the parked promise. */
  effect: (() => unknown) | null;
  done: boolean;
  daemon: boolean;
  /** Awaiting a promise heddle does not control (only with a task context). */
  suspended: boolean;
  result: unknown;
  pendingLocation?: string;
}

/** Hooks a detector can attach to an execution (vector clocks, race detection). */
export interface ExecutionObserver {
  /**
   * A step ran: `task` performed `op`. `choice` is true at a scheduling point (called after the
   * strategy chose the task, before it resumes) and false for a non-yielding op (unlock, set,
   * release, task-done) that the running task performed in place.
   */
  onStep(task: TaskId, op: PendingOp, choice: boolean, execution: Execution): ExecutionFailure | null;
  onSpawn(parent: TaskId, child: TaskId): void;
}

let active: Execution | null = null;

/** The execution that owns the running code, or null outside an exploration. */
export function currentExecution(): Execution | null {
  return active;
}

const NEVER: Promise<never> = new Promise<never>(() => {});
const START: PendingOp = { kind: 'start', object: -1 };
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
  private readonly tasks: TaskState[] = [];
  private readonly objects: ObjectInfo[] = [];
  private readonly trace = new TraceLog();
  private readonly choices: TaskId[] = [];
  private readonly randoms: number[] = [];
  private readonly races: DataRace[] = [];
  private running: TaskState | null = null;
  private flexiblePending = 0;
  /** Set while the driver decides after the microtasks drained: a stall is final then. */
  private deciding = false;
  private daemons = 0;
  private readonly runnableBuffer: TaskId[] = [];
  private readonly context = new Context(this);
  private lastRan: TaskId | null = null;
  private preemptions = 0;
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
    const task = this.tasks[id];
    if (task === undefined || task.daemon === daemon) return;
    task.daemon = daemon;
    this.daemons += daemon ? 1 : -1;
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
      const task = this.tasks[id];
      if (task !== undefined && task.suspended && !task.done) return task;
    }
    return this.running;
  }

  taskName(id: TaskId): string {
    return this.tasks[id]?.name ?? `task ${id}`;
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
    this.races.push(race);
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
    return this.tasks[id]?.done ?? false;
  }

  taskResult(id: TaskId): unknown {
    return this.tasks[id]?.result;
  }

  /** A draw for the code under test, recorded in the schedule. */
  random(): number {
    try {
      const r = this.strategy.nextRandom();
      this.randoms.push(r);
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
    const where = task ? this.lastStepOf(task.id) : null;
    const who = task ? `task ${task.id} '${task.name}'` : 'a task';
    const after = where === null ? 'before its first operation'
      : `after step ${where.index} (${where.step.kind}${where.step.location ? ' at ' + where.step.location : ''})`;
    this.finish({
      kind: 'nondeterminism',
      task: task?.id,
      message: `${who} awaited something heddle does not control (a timer, real I/O or a bare Promise) ${after}` +
        (this.options.tasks ? ' and no task left will settle it' : '') +
        `; wrap the call with controlled(), turn on the scenario's environment (timers, fs, events), or use heddle's primitives`,
    });
  }

  // ---- the loop ----

  private addTask(fn: () => unknown, name: string | undefined): TaskId {
    const id = this.tasks.length;
    const task: TaskState = { id, name: name ?? (id === 0 ? 'main' : `task${id}`), pending: START,
      resume: null, effect: null, done: false, daemon: false, suspended: false, result: undefined, pendingLocation: undefined };
    this.tasks.push(task);
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

  /**
   * The runnable tasks, in a buffer reused from step to step (no allocation per step): valid
   * until the next scheduling point, so a strategy that keeps it must copy it.
   */
  private runnable(): TaskId[] {
    const out = this.runnableBuffer;
    while (out.length > 0) out.pop(); // cheaper than `length = 0`, a builtin call
    const tasks = this.tasks;
    for (let i = 0; i < tasks.length; i++) {
      const t = tasks[i]!;
      const op = t.pending;
      if (op !== null && !t.done && (op.enabled === undefined || op.enabled())) out.push(i);
    }
    return out;
  }

  /** Every task that has not finished, ascending. */
  liveTasks(): TaskId[] {
    const out: TaskId[] = [];
    for (const t of this.tasks) if (!t.done) out.push(t.id);
    return out;
  }

  pendingOf(id: TaskId): PendingOp | null {
    return this.tasks[id]?.pending ?? null;
  }

  /** Picks and resumes the next task, or ends the execution. */
  private schedule(): void {
    if (this.finished || this.running !== null) return;
    // Daemons (unref'd timers) never keep an execution alive.
    if (this.daemons > 0 && this.tasks.every((t) => t.done || t.daemon)) return this.finish(null);
    let runnable = this.runnable();
    while (runnable.length === 0) {
      if (this.tasks.every((t) => t.done || t.daemon)) return this.finish(null);
      const wake = this.earliestWake();
      if (wake === null) {
        if (this.external > 0) return; // a controlled call is doing real work: the watcher waits for it
        const suspended = this.tasks.find((t) => t.suspended && !t.done);
        // A task may have just settled a suspended task's promise: its continuation runs in the
        // next microtasks. Decide only once they have drained (the driver calls checkStalled).
        if (suspended !== undefined && !this.deciding) return;
        if (suspended !== undefined) return this.failStalled(suspended);
        const blocked = findBlocked(this.tasks.filter((t) => !t.done).map((t) => ({ id: t.id, op: t.pending })));
        return this.finish({ kind: 'deadlock', blocked, message: deadlockMessage(blocked, this.describer()) });
      }
      this.now = wake;
      runnable = this.runnable();
    }
    if (this.flexiblePending > 0) runnable = this.withTimeAdvances(runnable);
    if (this.choices.length >= this.options.maxSteps) {
      return this.finish({ kind: 'livelock', message: livelockMessage(this.trace.steps(this.trace.length - 1000), this.options.maxSteps, this.describer().task) });
    }
    const ctx = this.context;
    ctx.runnable = runnable;
    ctx.current = this.lastRan;
    ctx.step = this.choices.length;
    let choice: TaskId;
    try {
      choice = this.strategy.nextTask(ctx);
    } catch (e) {
      if (e instanceof ScheduleDivergence) return this.finish({ kind: 'nondeterminism', message: e.message });
      throw e;
    }
    if (!runnable.includes(choice)) {
      return this.finish({ kind: 'nondeterminism', internal: true,
        message: `[internal bug] strategy ${this.strategy.name} chose task ${choice}, which is not runnable` });
    }
    const task = this.tasks[choice]!;
    const op = task.pending!;
    if (op.flexible) this.flexiblePending--;
    if (op.wakeAt !== undefined && op.wakeAt > this.now) this.now = op.wakeAt; // chosen to let time pass
    const preempted = this.lastRan !== null && this.lastRan !== choice && runnable.includes(this.lastRan);
    if (preempted) this.preemptions++;
    // Every trace step has the same shape (absent detail/location are undefined): keeps V8 fast.
    this.trace.push(choice, op, true, preempted, task.pendingLocation);
    this.choices.push(choice);
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

  /**
   * While every runnable op is flexible (may happen at any later time), the earliest sleepers are
   * runnable too: choosing one lets virtual time pass to its wake-up before any response arrives.
   */
  private withTimeAdvances(runnable: TaskId[]): TaskId[] {
    for (const id of runnable) if (!this.tasks[id]!.pending!.flexible) return runnable;
    const wake = this.earliestWake();
    if (wake === null) return runnable;
    for (const t of this.tasks) if (!t.done && t.pending?.wakeAt === wake && !runnable.includes(t.id)) runnable.push(t.id);
    return runnable.sort((a, b) => a - b);
  }

  // ---- calls whose completion is outside heddle (controlled functions doing real I/O) ----

  private external = 0;
  private externalIdle: (() => void)[] = [];

  /** Tracks a promise heddle does not control but waits for on purpose (a controlled call). */
  trackExternal(promise: Promise<unknown>): void {
    this.external++;
    const settled = () => {
      this.external--;
      if (this.external === 0) for (const wake of this.externalIdle.splice(0)) wake();
    };
    promise.then(settled, settled);
  }

  /** Resolves once no tracked external promise is pending (at once if none is). */
  externalSettled(): Promise<void> {
    if (this.external === 0) return Promise.resolve();
    return new Promise((resolve) => this.externalIdle.push(resolve));
  }

  get waitingOnExternal(): boolean {
    return this.external > 0;
  }

  private earliestWake(): number | null {
    let wake: number | null = null;
    for (const t of this.tasks) {
      const at = t.pending?.wakeAt;
      if (!t.done && at !== undefined && (wake === null || at < wake)) wake = at;
    }
    return wake;
  }

  private lastStepOf(task: TaskId): { index: number; step: TraceStep } | null {
    const i = this.trace.lastIndexOf(task);
    return i < 0 ? null : { index: i, step: this.trace.step(i) };
  }

  private describer() {
    return {
      task: (id: TaskId) => `task ${id} '${this.taskName(id)}'`,
      object: (id: ObjectId) => {
        const o = this.objects[id];
        return o ? `${o.type} '${o.name}'` : `object ${id}`;
      },
    };
  }

  private finish(failure: ExecutionFailure | null): void {
    if (this.finished) return;
    const log = this.trace;
    let trace: TraceStep[] | null = null;
    const result: ExecutionResult = {
      failure,
      schedule: { choices: this.choices, randoms: this.randoms },
      get trace(): TraceStep[] {
        return (trace ??= log.steps());
      },
      tasks: this.tasks.map((t): TaskInfo => ({ id: t.id, name: t.name })),
      objects: this.objects,
      steps: this.choices.length,
      preemptions: this.preemptions,
      races: this.races,
      value: this.tasks[0]?.result,
    };
    this.finishedWith = result;
    this.running = null;
    if (active === this) active = null;
    this.strategy.endExecution?.(result);
    this.resolveDone(result);
  }
}

/**
 * The ChoiceContext handed to strategies, reused from step to step (strategies must copy what
 * they keep). `live` is computed only when a strategy asks for it.
 */
class Context implements ChoiceContext {
  runnable: readonly TaskId[] = [];
  current: TaskId | null = null;
  step = 0;
  constructor(private readonly ex: Execution) {}
  get live(): readonly TaskId[] {
    return this.ex.liveTasks();
  }
  pending(task: TaskId): PendingOp | null {
    return this.ex.pendingOf(task);
  }
}
