import type { Execution } from './execution.ts';
import { AwaitedPromise, Frame, FreshOp, type Waiting } from './frames.ts';
import { markHandled, PromiseTable } from './promise-table.ts';
import { isForeignThenable, isThenable, type Tagged, TRACKER } from './promises.ts';
import { siteInfo, siteLocation } from './sites.ts';
import type { TaskState, TaskTable } from './task-table.ts';



/**
 * The strands of one execution: how instrumented code's frames, awaits and requested operations
 * become tasks and pending ops.
 *
 * Within one step, code may call async functions, request primitive operations and make
 * promises without awaiting them. Each frame that suspends in its synchronous prefix, and each
 * requested operation, is *fresh*: nobody runs it yet. An await in the same step that names its
 * promise takes it up (the awaiting frame's strand continues into it). When the step ends, every
 * fresh item left becomes a strand of its own, a child of the step's task: a branch of
 * Promise.all, an async call not awaited at once, a detached operation.
 *
 * invariant: a frame resumes only as the leaf of the running task, and a task's pending op is
 * always its leaf's await (checkPending says so before every step): an operation is credited to
 * the strand that awaits it, or to a strand of its own, never to whichever task runs next.
 */
export class Strands {
  /** Frames in their synchronous prefix, innermost last. */
  private readonly stack: Frame[] = [];
  /** Fresh items of the current step: suspended frames (chain roots) and requested operations. */
  private readonly fresh: (Frame | FreshOp)[] = [];
  /** While the engine calls a task's body: the code running is the task's first step. */
  private bodyDepth = 0;
  private readonly names = new Map<string, number>();
  /** What heddle knows of the promises of this execution (promise-table.ts). */
  readonly promises: PromiseTable;

  constructor(private readonly ex: Execution, private readonly table: TaskTable) {
    this.promises = new PromiseTable(ex, () => this.inBody);
  }

  get inBody(): boolean {
    return this.bodyDepth > 0 || this.stack.length > 0;
  }

  /** Whether code that requests an operation now is instrumented (its awaits are seen) in `task`'s step. */
  instrumentedContext(task: TaskState): boolean {
    return this.stack.length > 0 || this.bodyDepth > 0 || task.frames.length > 0;
  }

  /** Whether the code running now is instrumented: its awaits are reported, so heddle's own helpers may report theirs. */
  instrumentedNow(): boolean {
    const task = this.ex.runningTask;
    return task !== null && this.instrumentedContext(task);
  }

  // ---- the start of a task: the engine calls its body ----

  runBody(task: TaskState, fn: () => unknown): void {
    let value: unknown;
    this.bodyDepth++;
    try {
      value = fn();
    } catch (e) {
      return this.ex.taskThrew(task, e);
    } finally {
      this.bodyDepth--;
    }
    if (this.ex.finished) return;
    const root = value instanceof Promise ? this.takeFresh(value) : null;
    if (root instanceof Frame) {
      // An instrumented async body: its frames are the task's. What it throws fails the execution
      // (reported by heddle), so its promise's rejection is handled here.
      markHandled(value as Promise<unknown>);
      this.promises.shareable(root.tracker);
      task.frames = root.chain!;
      root.chain = null;
      this.setPending(task);
      this.ex.endStep();
      return;
    }
    if (root instanceof FreshOp) this.fresh.unshift(root); // `spawn(() => x.get())`: handled below
    if (isThenable(value) && !this.fresh.some((x) => x instanceof FreshOp)) {
      // It returned a promise made elsewhere (a cached call in flight, a combinator) and asked
      // for no operation: the task ends when that promise settles, as a frame returning it would
      // — at once if it has (an async body that never awaited).
      const tracker = this.promises.trackerOf(value, -1);
      if (tracker.settled && tracker.isControlled()) {
        if (tracker.rejected) return this.ex.taskThrew(task, tracker.settledValue());
        this.ex.taskEnded(task, tracker.settledValue());
        if (this.ex.runningTask === task) this.ex.endStep();
        return;
      }
      const waiting = new AwaitedPromise(tracker, value, -1);
      task.finishes = true;
      task.waiting = waiting;
      task.pending = waiting;
      this.ex.endStep();
      return;
    }
    if (isThenable(value)) {
      // Code heddle sees only at its primitives: the first operation it requested is what it
      // awaits (one per step, as such code is written); it goes on after it in its own way.
      task.legacy = true;
      const first = this.fresh.shift();
      if (first instanceof FreshOp) {
        this.parkLegacy(task, first);
      } else if (first instanceof Frame) {
        // It awaits one of heddle's own helpers (Mutex.withLock): the helper's frames are its
        // own until they end, and then its code goes on.
        task.frames = first.chain!;
        first.chain = null;
        this.setPending(task);
      } else {
        task.pending = null;
      }
      Promise.resolve(value).then((v) => this.ex.legacyEnded(task, v, false), (e: unknown) => this.ex.legacyEnded(task, e, true));
      if (task.pending === null) {
        // It awaits something heddle does not see being made: suspended until it requests an operation.
        this.ex.addUncontrolled(`task '${task.name}' awaits a promise heddle does not control (its code is not instrumented)`);
        task.suspended = true;
        task.pending = SUSPENDED_OP;
      }
      this.ex.endStep();
      return;
    }
    this.ex.taskEnded(task, value);
    if (this.ex.runningTask === task) this.ex.endStep();
  }

  /**
   * A legacy task's step ran to the end of the microtasks without parking: its code awaits,
   * natively, something it started in this step. Takes the first fresh item as what it awaits.
   */
  resumeLegacy(task: TaskState): boolean {
    if (!task.legacy && task.frames.length > 0) return false;
    const first = this.fresh.shift();
    if (first === undefined) return false;
    task.legacy = true;
    if (first instanceof FreshOp) {
      this.parkLegacy(task, first);
    } else {
      task.frames = first.chain!;
      first.chain = null;
      this.setPending(task);
    }
    return true;
  }

  private parkLegacy(task: TaskState, op: FreshOp): void {
    task.pending = op.op;
    task.effect = op.effect;
    task.resume = op.resolve;
    task.waiting = op;
    task.pendingLocation = op.location;
  }

  // ---- instrumented async functions ----

  enterFrame(name: string, site: number): Frame {
    const frame = new Frame(this.ex, name, site);
    this.stack.push(frame);
    return frame;
  }

  /** The async function's synchronous prefix ended: it returned `promise`, done or suspended. */
  exitFrame(frame: Frame, promise: Promise<unknown>): void {
    const top = this.stack.pop();
    if (this.ex.finished) return; // the execution ended under it (a failure found mid-step): nothing goes on
    if (top !== frame) return this.internal(`frame '${frame.name}' left the stack out of order`);
    frame.onStack = false;
    frame.promise = promise;
    (promise as Tagged)[TRACKER] = frame.tracker;
    if (frame.returned !== null) this.promises.watch(frame.returned, promise);
    if (frame.done) {
      if (frame.threw) {
        markHandled(promise);
        this.promises.rejected(this.ex.runningTask?.id ?? null, frame);
      }
      return;
    }
    this.fresh.push(frame);
    if (this.outsideStep()) this.commit(null);
  }

  /**
   * `await value` in `frame` (an instrumented await): returns what the frame's native await is
   * on. A fresh item the value names is taken up (`adopt`): the frame's strand runs it.
   */
  awaitIn(frame: Frame, awaited: unknown, site: number, adopt = true): unknown {
    if (frame.owner !== this.ex || this.ex.finished) return NEVER_SETTLES;
    // A thenable that is not a promise: the await calls its then once, as the language's does (a
    // promise of it; watching it and resuming with it would call then twice).
    const value = isForeignThenable(awaited) ? Promise.resolve(awaited) : awaited;
    let adopted: Frame[] | null = null;
    let waiting: Waiting;
    const item = adopt && value instanceof Promise ? this.takeFresh(value) : null;
    if (item instanceof FreshOp) {
      waiting = item;
    } else {
      if (item instanceof Frame) {
        adopted = item.chain!;
        item.chain = null;
      }
      const tracker = item instanceof Frame ? item.tracker : this.promises.trackerOf(value, site);
      tracker.handled = true;
      waiting = new AwaitedPromise(tracker, value, site);
    }
    frame.waiting = waiting;
    frame.awaitSite = site;
    let native: Promise<unknown>;
    if (waiting instanceof FreshOp) native = waiting.promise;
    else native = new Promise((resolve) => (frame.resume = resolve));
    // Runs just before the frame's continuation: the step of whoever is resumed starts there.
    native.then(this.ex.onStarted, this.ex.onStarted);
    if (frame.onStack) {
      frame.chain = adopted === null ? [frame] : [frame, ...adopted];
      return native;
    }
    const task = this.ex.runningTask;
    if (task === null || task.frames[task.frames.length - 1] !== frame) {
      this.internal(`an await of '${frame.name}' ran outside its task's step`);
      return NEVER_SETTLES;
    }
    if (adopted !== null) for (const f of adopted) task.frames.push(f);
    this.setPending(task);
    this.ex.endStep();
    return native;
  }

  /** `return value` in an instrumented async function. */
  ret<T>(frame: Frame, value: T): T {
    frame.result = value;
    return value;
  }

  /** An instrumented async function is throwing `error`. */
  threw(frame: Frame, error: unknown): void {
    frame.threw = true;
    frame.error = error;
  }

  /** The frame completed (returned or threw). */
  leave(frame: Frame): void {
    if (frame.owner !== this.ex || this.ex.finished || frame.done) return;
    frame.done = true;
    const tracker = frame.tracker;
    if (frame.threw) tracker.settle(true, this.promises.nextSettlement(), this.ex.runningTask?.id ?? -1, frame.error);
    else if (isForeignThenable(frame.result)) this.promises.followReturnedThenable(frame);
    else if (isThenable(frame.result)) tracker.follow(this.promises.trackerOf(frame.result, frame.site));
    else tracker.settle(false, this.promises.nextSettlement(), this.ex.runningTask?.id ?? -1, frame.result);
    if (frame.onStack) return; // completed in its synchronous prefix: part of the caller's step
    const task = this.ex.runningTask;
    if (task === null || task.frames[task.frames.length - 1] !== frame) {
      return this.internal(`'${frame.name}' completed outside its task's step`);
    }
    task.frames.pop();
    if (task.frames.length > 0) {
      // The frame that awaited it resumes in a step of its own (it awaited: a preemption point).
      this.setPending(task);
      return this.ex.endStep();
    }
    if (!frame.threw && !tracker.settled && !task.legacy) {
      // It returned a promise that has not settled: the strand ends when that one settles.
      const waiting = new AwaitedPromise(tracker, frame.result, frame.site);
      task.finishes = true;
      task.waiting = waiting;
      task.pending = waiting;
      task.effect = null;
      task.resume = null;
      return this.ex.endStep();
    }
    this.promises.announceSettled(tracker, task);
    if (task.legacy) return; // a legacy task awaited the frame natively: its own code goes on in this step
    // The strand's first frame: the strand is over.
    if (frame.threw) {
      if (task.root) return this.ex.taskThrew(task, frame.error);
      if (frame.promise !== null) markHandled(frame.promise);
      this.promises.rejected(task.id, frame);
    }
    this.ex.taskEnded(task, isThenable(frame.result) ? tracker.settledValue() : frame.result);
  }

  // ---- requested operations ----

  request(op: FreshOp): Promise<unknown> {
    // Its promise is looked up only if it outlives the step as a strand of its own (commit):
    // the common `await x.get()` takes it up fresh, with no WeakMap entry made.
    this.fresh.push(op);
    if (this.outsideStep()) {
      this.ex.addUncontrolled(`an operation (${op.op.kind}) was requested by code running outside any step${op.location ? ` at ${op.location}` : ''}`);
      this.commit(null);
    }
    return op.promise;
  }

  /** The chosen task performed its pending fresh operation. */
  performed(task: TaskState, op: FreshOp, threw: boolean, value: unknown): void {
    op.tracker.settle(threw, this.promises.nextSettlement(), task.id, value);
    if (task.finishes) this.promises.announceSettled(op.tracker, task);
    if (threw) markHandled(op.promise);
  }

  /** A legacy task ended without awaiting the operation it had requested: the operation goes on alone. */
  detach(task: TaskState): void {
    const op = task.waiting;
    if (!(op instanceof FreshOp)) return;
    task.pending = null;
    task.waiting = null;
    this.ex.addUncontrolled(`task '${task.name}' (not instrumented) ended without awaiting an operation it requested, ` +
      'so the orders in which that operation could run were not all explored');
    this.fresh.push(op);
    this.commit(task);
  }

  // ---- the end of a step ----

  /** Every fresh item left becomes a strand of its own, a child of `parent`. */
  commit(parent: TaskState | null): void {
    if (this.fresh.length === 0) return;
    if (this.ex.finished) {
      this.fresh.length = 0;
      return;
    }
    const items = this.fresh.splice(0);
    for (const item of items) {
      const name = item instanceof Frame ? this.strandName(item.name) : this.strandName(`${parent?.name ?? 'outside'}.${item.op.kind}`);
      const task = this.ex.addStrand(name, (t) => {
        if (item instanceof Frame) {
          t.frames = item.chain!;
          item.chain = null;
          this.setPending(t);
        } else {
          t.finishes = true;
          this.parkLegacy(t, item);
        }
      });
      if (item instanceof Frame && item.promise !== null) markHandled(item.promise); // its rejection is reported by heddle
      this.promises.shareable(item.tracker);
      this.ex.announce(parent?.id ?? null, task.id);
    }
    if (parent === null) {
      this.ex.addUncontrolled('code running outside any step (called by code heddle does not control) started async work');
      this.ex.wake();
    }
  }

  /** The leaf frame's await is the task's pending op. */
  private setPending(task: TaskState): void {
    const leaf = task.frames[task.frames.length - 1]!;
    const w = leaf.waiting!;
    task.waiting = w;
    if (w instanceof FreshOp) {
      task.pending = w.op;
      task.effect = w.effect;
      task.resume = w.resolve;
      task.pendingLocation = this.ex.verbose ? (leaf.awaitSite >= 0 ? siteLocation(leaf.awaitSite) : undefined) ?? w.location : undefined;
    } else {
      task.pending = w;
      task.effect = null;
      task.resume = leaf.resume;
      task.pendingLocation = undefined;
    }
  }

  /** Why the task's pending op is not its own, or null (checked before every step). */
  checkPending(task: TaskState): string | null {
    if (task.frames.length === 0) return null;
    const leaf = task.frames[task.frames.length - 1]!;
    const w = leaf.waiting;
    if (w !== null && task.waiting === w && (w instanceof FreshOp ? task.pending === w.op : task.pending === w)) return null;
    return `[internal bug] task ${task.id} '${task.name}' is about to perform an operation its frame '${leaf.name}' did not request`;
  }

  /** `file:line` of the await a task is about to resume at (verbose executions only). */
  location(task: TaskState): string | undefined {
    if (!this.ex.verbose) return undefined;
    const w = task.waiting;
    return w instanceof AwaitedPromise ? siteLocation(w.site) : undefined;
  }

  // ---- promises heddle does not make itself ----

  /** The first live task awaiting a promise heddle does not control, if any. */
  awaitingUnknown(): TaskState | undefined {
    return this.table.all.find((t) => !t.done && t.pending instanceof AwaitedPromise && !t.pending.tracker.isControlled() && !t.pending.tracker.settled);
  }

  /** Whether some live task awaits a promise that code outside heddle may still settle. */
  get awaitsOutside(): boolean {
    return this.awaitingUnknown() !== undefined;
  }

  // ---- helpers ----

  private takeFresh(promise: Promise<unknown>): Frame | FreshOp | null {
    const fresh = this.fresh;
    for (let i = fresh.length - 1; i >= 0; i--) {
      const item = fresh[i]!;
      if (item.promise === promise) {
        fresh.splice(i, 1);
        return item;
      }
    }
    return null;
  }

  private outsideStep(): boolean {
    return this.ex.runningTask === null && this.stack.length === 0 && this.bodyDepth === 0;
  }

  private strandName(base: string): string {
    const n = (this.names.get(base) ?? 0) + 1;
    this.names.set(base, n);
    return `${base}#${n}`;
  }

  private internal(message: string): void {
    this.ex.fail({ kind: 'nondeterminism', internal: true, message: `[internal bug] ${message}` });
  }

  /** The name of a site's function, for frames made by the runtime. */
  static siteName(site: number): string {
    return siteInfo(site)?.name ?? 'anonymous';
  }
}

const NEVER_SETTLES: Promise<never> = new Promise<never>(() => {});
const SUSPENDED_OP = { kind: 'wait' as const, object: -1, enabled: () => false,
  waitsFor: 'it awaits a promise heddle does not control, and no task left will settle it' };
