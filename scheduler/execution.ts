import { findBlocked, deadlockMessage, objectDescriber, type Describer } from './detectors/deadlock.ts';
import { classifyThrown, describeThrown } from './detectors/thrown.ts';
import { livelockMessage } from './detectors/livelock.ts';
import { captureLocation } from './location.ts';
import { Fairness } from './fairness.ts';
import { ExecutionRecord } from './record.ts';
import { PruneExecution, ScheduleDivergence, type Strategy } from './strategy.ts';
import { Context, TaskTable, type TaskState } from './task-table.ts';
import { ExternalWork } from './external.ts';
import { stallMessage, turnOn } from './detectors/stall.ts';
import { AwaitedPromise, Frame, FreshOp } from './frames.ts';
import { Strands } from './strands.ts';
import { isThenable, type Tracker } from './promises.ts';
import { MemoryLog } from './memory.ts';
import { birthName } from './dependence.ts';
import type { ExecutionObserver, ExecutionOptions } from './execution-types.ts';
import type {
  AtomicityViolation,
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

// The execution that owns the running code. Kept on a global, not in this module: a test runner
// that evaluates heddle's modules once per test file (vitest) must not leave code instrumented
// under one copy unable to see an execution of another.
interface ActiveSlot {
  execution: Execution | null;
}
const slotKey = Symbol.for('heddle.active-execution');
const slot: ActiveSlot = ((globalThis as unknown as Record<symbol, ActiveSlot | undefined>)[slotKey] ??= { execution: null });

/** The execution that owns the running code, or null outside an exploration. */
export function currentExecution(): Execution | null {
  return slot.execution;
}

export const NEVER: Promise<never> = new Promise<never>(() => {});
const SUSPENDED: PendingOp = { kind: 'wait', object: -1, enabled: () => false,
  waitsFor: 'it awaits a promise heddle does not control, and no task left will settle it' };

/** How a message names state that leaked between executions (MemoryLog.leak). */
export const LEFT_BY_EARLIER = 'state left by an earlier execution';

/**
 * One execution = one schedule. Runs the scenario body as task 0; tasks park at every
 * scheduling point and the strategy picks which one resumes.
 *
 * A task is a strand: a chain of async activations that run one after another. Instrumented
 * code reports its frames and awaits (see strands.ts); code heddle sees only at its primitives
 * (legacy) parks at each primitive operation.
 *
 * invariant: at most one task is running between two scheduling points. A task's step starts
 * when its resumption runs (`running` is set then, not when it is chosen) and ends when it
 * reaches its next scheduling point or ends; all of that happens in microtasks: no macrotask is
 * ever needed to make progress.
 */
export class Execution {
  private readonly table = new TaskTable();
  private readonly objects: ObjectInfo[] = [];
  private readonly record = new ExecutionRecord();
  private readonly trace = this.record.trace;
  /** The task whose step is running: its code is the code running now. */
  private running: TaskState | null = null;
  /** Chosen and resumed, but its code has not started running yet (a few microtasks away). */
  private starting: TaskState | null = null;
  /** Set while the driver decides after the microtasks drained: a stall is final then. */
  private deciding = false;
  private readonly context = new Context(this.table, this.record.trace, this.objects);
  private readonly external = new ExternalWork();
  private lastRan: TaskId | null = null;
  private finishedWith: ExecutionResult | null = null;
  private resolveDone!: (r: ExecutionResult) => void;
  readonly done: Promise<ExecutionResult>;
  /** Virtual time in milliseconds, owned by the scheduler. */
  now = 0;
  readonly observers: ExecutionObserver[] = [];
  /** Frames, requested operations and promises of instrumented code. */
  readonly strands: Strands;
  /** What instrumented code reads and writes (see memory.ts). */
  readonly memory = new MemoryLog(this);
  /** Runs when a chosen task's resumption runs: its step starts (one function per execution, no closure per await). */
  readonly onStarted = (): void => this.started();

  constructor(
    private readonly strategy: Strategy,
    private readonly options: ExecutionOptions,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.strands = new Strands(this, this.table);
  }

  get finished(): boolean {
    return this.finishedWith !== null;
  }

  /** Starts the body as task 0. The returned promise settles when the execution ends. */
  start(body: () => unknown): Promise<ExecutionResult> {
    const active = slot.execution;
    if (active !== null && !active.finished) {
      throw new Error('[internal bug] heddle started an execution while another one was running');
    }
    slot.execution = this;
    this.addTask(body, 'main');
    this.schedule();
    return this.done;
  }

  // ---- called by primitives, always from the running task ----

  /** True while some task of this execution is running (not between two steps). */
  get inTask(): boolean {
    return (this.running !== null || this.strands.inBody) && !this.finished;
  }

  /** The task whose step is running, or null between steps. */
  get runningTask(): TaskState | null {
    return this.running;
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

  /**
   * Registers an object at its first use in this execution and returns its id. An object made in
   * this execution is registered where it is made, by madeObject.
   */
  registerObject(type: string, name: string | undefined, atomic = false, capacity = 0, initial?: number): ObjectId {
    return this.addObject(type, name, atomic, capacity, initial, undefined);
  }

  /** Registers a location of a plain object at its first use, under the name it has in every execution (its ObjectInfo.birth), if any. */
  registerLocation(type: string, name: string, birth: number | undefined): ObjectId {
    return this.addObject(type, name, false, 0, undefined, birth);
  }

  /**
   * Registers an object the running code is making now. Made by a task's step, it also gets its
   * birth (ObjectInfo.birth): the same in every execution that shares that task's steps so far.
   */
  madeObject(type: string, name: string | undefined, atomic = false, capacity = 0, initial?: number): ObjectId {
    return this.addObject(type, name, atomic, capacity, initial, this.birth());
  }

  /**
   * A birth for something the running step makes now (an object registered as it is made, or a
   * plain object whose locations are registered later): its maker and how many things the
   * maker's steps made before it. Undefined outside a task's step.
   */
  birth(): number | undefined {
    const maker = this.running;
    if (maker === null) return undefined;
    return birthName(maker.id, (this.made[maker.id] = (this.made[maker.id] ?? 0) + 1));
  }

  /** How many things each task's steps have made (see birth), by task id. */
  private readonly made: number[] = [];

  private addObject(type: string, name: string | undefined, atomic: boolean, capacity: number, initial: number | undefined, birth: number | undefined): ObjectId {
    const id = this.objects.length;
    this.objects.push({ id, type, name: name ?? `${type}#${id}`, ...(atomic ? { atomic } : {}), ...(capacity > 0 ? { capacity } : {}),
      ...(initial !== undefined ? { initial } : {}), ...(birth !== undefined ? { birth } : {}) });
    return id;
  }

  object(id: ObjectId): ObjectInfo | undefined {
    return this.objects[id];
  }

  /** The number of the running step (its scheduling point), or -1 between steps. */
  get stepIndex(): number {
    return this.running === null ? -1 : this.lastRanStep;
  }

  /** Index of the latest trace step (observers stamp accesses with it). */
  get lastStep(): number {
    return this.trace.length - 1;
  }

  /** Records a data race seen by a detector; it does not end the execution. */
  addRace(race: DataRace): void {
    this.record.races.push(race);
  }

  /** Records a lost update seen by the atomicity detector; it does not end the execution. */
  addAtomicityViolation(violation: AtomicityViolation): void {
    this.record.atomicity.push(violation);
  }

  /** Runs code outside heddle's control (a controlled function's own work): no frames, no tracking. */
  uncontrolled<T>(fn: () => T): T {
    const running = this.running;
    this.outside++;
    this.running = null;
    try {
      return fn();
    } finally {
      this.outside--;
      if (!this.finished) this.running = running;
    }
  }

  /** >0 while code runs outside heddle's control (see uncontrolled). */
  outside = 0;

  /** Records something this execution did that heddle did not control (a reason with its location). */
  addUncontrolled(reason: string): void {
    const list = this.record.uncontrolled;
    if (!list.includes(reason)) list.push(reason);
  }

  /**
   * A scheduling point: the running code requests `op`. In code heddle sees only at its
   * primitives (legacy), the task parks here and the strategy chooses who goes next. In
   * instrumented code the request is a fresh operation, taken up by the await that follows it or
   * made a strand of its own when the step ends (see strands.ts). The returned promise resolves
   * when the op is performed, with what `effect` returned.
   */
  point(op: PendingOp): Promise<void>;
  point<T>(op: PendingOp, effect: () => T): Promise<T>;
  point(op: PendingOp, effect?: () => unknown): Promise<unknown> {
    if (this.finished) return NEVER;
    const task = this.caller();
    if (task !== null && (task.suspended || !this.strands.instrumentedContext(task))) return this.park(task, op, effect ?? null);
    const location = this.options.captureLocations ? captureLocation() : undefined;
    return this.strands.request(new FreshOp(op, effect ?? null, task?.id ?? -1, location));
  }

  /** A legacy task parks at a primitive operation: its step ends here. */
  private park(task: TaskState, op: PendingOp, effect: (() => unknown) | null): Promise<unknown> {
    task.pending = op;
    task.effect = effect;
    task.waiting = null;
    task.legacy = true;
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
      if (this.running === null && this.starting === null) this.schedule();
      return parked;
    }
    this.endStep();
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
    if (this.running !== null) this.noteBy(this.running, op);
  }

  /** An in-place op of `task` (also between steps: a detached strand's end). */
  noteBy(task: TaskState, op: PendingOp): void {
    if (this.finished) return;
    this.trace.push(task.id, op, false, false, this.options.captureLocations ? captureLocation() : undefined);
    for (const o of this.observers) {
      const failure = o.onStep(task.id, op, false, this);
      if (failure !== null) return this.finish(failure);
    }
  }

  /** Awaits of the promises that decided `tracker`, besides `decisive` (the step's own op): in-place steps of `task`. */
  private noteContributors(task: TaskState, tracker: Tracker, decisive: ObjectId): void {
    const seen = new Set<ObjectId>([decisive]);
    for (const c of tracker.contributors()) {
      if (c.object < 0 || seen.has(c.object)) continue; // a plain value, or settled by no task's step
      seen.add(c.object);
      this.noteBy(task, { kind: 'await-input', object: c.object });
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
    this.announce(parent, child);
    return child;
  }

  /** Tells the trace and the observers that `parent` made `child` (happens-before: spawn → child). */
  announce(parent: TaskId | null, child: TaskId): void {
    if (parent === null) return;
    this.note({ kind: 'spawn', object: child });
    for (const o of this.observers) o.onSpawn(parent, child);
  }

  isTaskDone(id: TaskId): boolean {
    return this.table.get(id)?.done ?? false;
  }

  taskResult(id: TaskId): unknown {
    return this.table.get(id)?.result;
  }

  /** A draw for the code under test, recorded in the schedule. */
  random(): number {
    // The strategy's code is not the scenario's: nothing it touches is the step's (a strategy
    // written in an instrumented file would otherwise report its own reads and calls).
    const running = this.running;
    this.running = null;
    try {
      const r = this.strategy.nextRandom();
      this.record.randoms.push(r);
      return r;
    } catch (e) {
      if (!(e instanceof ScheduleDivergence)) throw e;
      this.finish({ kind: 'nondeterminism', message: e.message });
      return 0;
    } finally {
      if (!this.finished) this.running = running;
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
    if (this.starting !== null) {
      const t = this.starting;
      return this.finish({ kind: 'nondeterminism', internal: true, task: t.id,
        message: `[internal bug] heddle resumed task ${t.id} '${t.name}', but its code never ran` });
    }
    // Uninstrumented code that called instrumented code and awaits it natively: the first thing
    // its step left fresh is what it waits for (as in a task's first step, see runBody).
    if (this.running !== null && this.strands.resumeLegacy(this.running)) return this.endStep();
    if (this.options.tasks !== undefined) return this.suspendRunning();
    if (this.running !== null) return this.failStalled(this.running);
    this.deciding = true;
    try {
      this.schedule();
    } finally {
      this.deciding = false;
    }
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
    if (task?.pending instanceof AwaitedPromise) {
      return this.finish({ kind: 'nondeterminism', task: task.id, message: `task ${task.id} '${task.name}' awaited something heddle does not ` +
        `control (a timer, real I/O, or a promise of uninstrumented code): ${task.pending.waitsFor}; wrap the call with controlled(), ` +
        `${turnOn(this.options.environmentOff)}instrument the package that makes it (--instrument NAME), ` +
        `or use heddle's primitives` });
    }
    const last = task ? this.record.lastStepOf(task.id) : null;
    this.finish({ kind: 'nondeterminism', task: task?.id, message: stallMessage(task, last, this.options.tasks !== undefined, this.options.environmentOff) });
  }

  // ---- the loop ----

  /** A task whose body the engine calls when its first step is chosen. */
  private addTask(fn: () => unknown, name: string | undefined): TaskId {
    const task = this.table.add(name);
    task.root = true;
    const id = task.id;
    const context = this.options.tasks;
    new Promise<unknown>((resolve) => (task.resume = resolve)).then(() => {
      if (this.finished || this.starting !== task) return;
      this.started();
      this.strands.runBody(task, context ? () => context.enter(id, fn) : fn);
    });
    return id;
  }

  /** Adds a task for a strand that is already under way (its first op is known): not started by the engine. */
  addStrand(name: string, setUp: (task: TaskState) => void): TaskState {
    const task = this.table.add(name, null);
    setUp(task);
    return task;
  }

  /** The chosen task's code runs now. */
  private started(): void {
    const task = this.starting;
    if (task === null) return;
    this.starting = null;
    this.running = task;
  }

  private effectsNoted = -1;
  /** The object standing for all the state heddle cannot see (type 'memory'). */
  private unseen: ObjectId = -1;

  /**
   * The running step did something whose effects on plain JavaScript state heddle does not see
   * (it called into code instrumented code did not make): recorded once per step as an `effect`,
   * which DPOR orders against every step that touches memory.
   */
  noteEffects(): void {
    if (this.effectsNoted === this.lastRanStep || this.running === null) return;
    this.effectsNoted = this.lastRanStep;
    this.record.unseen++;
    if (this.unseen < 0) this.unseen = this.registerObject('memory', 'state heddle does not see');
    this.note({ kind: 'effect', object: this.unseen });
  }

  /** Index of the trace entry of the latest scheduling point. */
  private lastRanStep = -1;

  /** The running task's step is over: what it requested becomes strands, and the next task is chosen. */
  endStep(): void {
    const parent = this.running;
    this.strands.commit(parent);
    this.running = null;
    this.schedule();
  }

  /** A legacy task's body ended (its promise settled) or threw. */
  legacyEnded(task: TaskState, value: unknown, threw: boolean): void {
    if (this.finished || task.done) return;
    if (threw) return this.taskThrew(task, value);
    if (this.running !== task && task.pending !== null && task.pending.kind !== 'start') {
      // It requested an operation and ended without awaiting it: the operation goes on alone.
      this.strands.detach(task);
    }
    this.taskEnded(task, value);
  }

  /** A task (or strand) ended with `value`. */
  taskEnded(task: TaskState, value: unknown): void {
    if (this.finished || task.done) return;
    task.done = true;
    task.suspended = false;
    task.result = value;
    if (this.running === task) this.endStep();
  }

  taskThrew(task: TaskState, error: unknown): void {
    if (this.finished) return;
    task.done = true;
    this.finish({ kind: classifyThrown(error), task: task.id, error,
      message: `task ${task.id} '${task.name}' threw: ${describeThrown(error)}` });
  }

  /** Spinning tasks let the others run first (see Fairness). */
  private readonly fairness = new Fairness();

  /**
   * Node looks for unhandled rejections once every microtask ran: a rejection nothing handled by
   * then ends the execution (true), as it ends Node's process.
   */
  private unhandledOnceMicrotasksRan(): boolean {
    const unhandled = this.strands.promises.unhandledRejection();
    if (unhandled !== null) this.finish(unhandled);
    return unhandled !== null;
  }

  /** Picks and resumes the next task, or ends the execution. */
  private schedule(): void {
    for (;;) {
      if (this.finished || this.running !== null || this.starting !== null) return;
      // Daemons (unref'd timers) never keep an execution alive.
      const table = this.table;
      if (table.onlyDaemonsLeft()) return this.finish(null);
      let runnable = table.runnable();
      while (runnable.length === 0) {
        if (table.allFinished()) return this.finish(null);
        const wake = table.earliestWake();
        if (wake === null) {
          if (this.external.busy) return; // a controlled call is doing real work: the watcher waits for it
          const unknown = this.strands.awaitingUnknown();
          // A promise heddle does not control may still settle (real I/O, code outside heddle):
          // decide only once the microtasks drained and the driver saw no I/O pending.
          if (unknown !== undefined && !this.deciding) return;
          if (unknown !== undefined) return this.failStalled(unknown);
          const suspended = table.firstSuspended();
          // A task may have just settled a suspended task's promise: its continuation runs in the
          // next microtasks. Decide only once they have drained (the driver calls checkStalled).
          if (suspended !== undefined && !this.deciding) return;
          if (suspended !== undefined) return this.failStalled(suspended);
          const blocked = findBlocked(table.all.filter((t) => !t.done).map((t) => ({ id: t.id, op: t.pending })));
          return this.finish({ kind: 'deadlock', blocked, message: deadlockMessage(blocked, this.describer()) });
        }
        if (this.unhandledOnceMicrotasksRan()) return; // time passes only once every microtask ran
        this.now = wake;
        runnable = table.runnable();
      }
      if (table.onlyFlexible) {
        // Only responses and immediates can run: macrotasks, so every microtask ran.
        if (this.unhandledOnceMicrotasksRan()) return;
        runnable = table.withTimeAdvances(runnable);
      }
      if (this.record.steps >= this.options.maxSteps) {
        return this.finish({ kind: 'livelock', message: livelockMessage(this.trace.steps(this.trace.length - 1000), this.options.maxSteps, this.describer().task) });
      }
      runnable = this.fairness.filter(runnable, this.lastRan, this.trace.lastStepChanged());
      const ctx = this.context;
      ctx.runnable = runnable;
      ctx.current = this.lastRan;
      ctx.step = this.record.steps;
      if (runnable.length > 1) this.record.branches++;
      let choice: TaskId;
      try {
        choice = this.strategy.nextTask(ctx);
      } catch (e) {
        if (e instanceof ScheduleDivergence) {
          const leak = this.memory.leak === null ? '' : ` (${LEFT_BY_EARLIER}: ${this.memory.leak})`;
          return this.finish({ kind: 'nondeterminism', message: e.message + leak });
        }
        if (e instanceof PruneExecution) return this.finish(null, true);
        throw e;
      }
      if (!table.isRunnable(choice)) {
        return this.finish({ kind: 'nondeterminism', internal: true,
          message: `[internal bug] strategy ${this.strategy.name} chose task ${choice}, which is not runnable` });
      }
      const task = table.get(choice)!;
      const op = task.pending!;
      const misplaced = this.strands.checkPending(task);
      if (misplaced !== null) return this.finish({ kind: 'nondeterminism', internal: true, task: task.id, message: misplaced });
      if (op.wakeAt !== undefined && op.wakeAt > this.now) this.now = op.wakeAt; // chosen to let time pass
      const preempted = this.lastRan !== null && this.lastRan !== choice && table.isRunnable(this.lastRan);
      this.record.chose(choice, op, preempted, task.pendingLocation ?? this.strands.location(task));
      this.lastRanStep = this.trace.length - 1;
      if (this.observers.length > 0) {
        for (const o of this.observers) {
          const failure = o.onStep(choice, op, true, this);
          if (failure !== null) return this.finish(failure);
        }
      }
      task.pending = null;
      task.pendingLocation = undefined;
      this.lastRan = choice;
      const waiting = task.waiting;
      task.waiting = null;
      const resume = task.resume;
      const effect = task.effect;
      task.resume = null;
      task.effect = null;
      if (waiting instanceof AwaitedPromise) {
        // An await whose promise has settled: the frame resumes and adopts it. Of a combined
        // promise (Promise.all …), it acquires from every input that decided it: one await each.
        if (waiting.tracker.combines) this.noteContributors(task, waiting.tracker, op.object);
        if (task.finishes) {
          // A strand whose function returned a promise: it ends with it, now settled.
          this.strands.promises.announceSettled(waiting.tracker, task);
          this.taskEnded(task, isThenable(waiting.value) ? waiting.tracker.settledValue() : waiting.value);
          continue;
        }
        this.starting = task;
        resume!(waiting.value);
        return;
      }
      // A start, or an operation: it takes effect now.
      let value: unknown;
      let threw = false;
      if (effect !== null) {
        this.running = task; // the effect acts for the chosen task (a lock's owner, an annotation)
        try {
          value = effect();
        } catch (e) {
          value = e;
          threw = true;
        }
        this.running = null;
      }
      if (waiting instanceof FreshOp) this.strands.performed(task, waiting, threw, value);
      if (task.legacy) this.running = task; // its code is seen only at its primitives: it runs from here
      else if (!task.finishes) this.starting = task;
      if (resume !== null) resume(threw ? Promise.reject(value) : value); // the parked promise adopts a rejection
      if (!task.finishes) return;
      // A detached operation: nothing of its own runs after it.
      this.taskEnded(task, value);
    }
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

  /** Nothing can run, but some task awaits a promise heddle does not control that may still settle. */
  get waitingOnUnknown(): boolean {
    return this.idle && this.strands.awaitsOutside;
  }

  /** Nothing runs and nothing is about to: an event from outside (a settled unknown promise) may go on. */
  get idle(): boolean {
    return this.running === null && this.starting === null && !this.finished;
  }

  /** Something outside a step made a task runnable: choose, if nobody else is running. */
  wake(): void {
    if (this.idle) this.schedule();
  }

  private describer(): Describer {
    return objectDescriber((id) => this.taskName(id), this.objects);
  }

  /**
   * The execution so far, as if it ended now with `failure`: what a watchdog reports when a step
   * never returns (an endless synchronous loop). Read it at once: the execution goes on.
   */
  snapshot(failure: ExecutionFailure): ExecutionResult {
    const tasks = this.table.all.map((t): TaskInfo => ({ id: t.id, name: t.name }));
    return this.record.result(failure, tasks, this.objects, undefined, false);
  }

  private finish(failure: ExecutionFailure | null, pruned = false): void {
    if (this.finished) return;
    if (failure === null && !pruned) failure = this.strands.promises.unhandledRejection();
    const tasks = this.table.all.map((t): TaskInfo => ({ id: t.id, name: t.name }));
    // For reports only: state an earlier execution wrote and put back (a reset at the end of the
    // body) reads the same, and only a rerun that differs shows that the state really leaked.
    this.record.leak = this.memory.leak ?? undefined;
    const blockedOps = pruned ? [] : this.table.all.flatMap((t) => (t.done || t.pending === null ? [] : [{ task: t.id, kind: t.pending.kind, object: t.pending.object }]));
    const result = this.record.result(failure, tasks, this.objects, this.table.get(0)?.result, pruned, blockedOps.length > 0 ? blockedOps : undefined);
    this.finishedWith = result;
    this.running = null;
    this.starting = null;
    if (slot.execution === this) slot.execution = null;
    this.strategy.endExecution?.(result);
    this.resolveDone(result);
  }
}

export { Frame };
