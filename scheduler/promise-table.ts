import type { Execution } from './execution.ts';
import type { Frame } from './frames.ts';
import { isThenable, SETTLED, Tracker, TRACKER, type Combinator, type Tagged } from './promises.ts';
import { siteLocation } from './sites.ts';
import type { TaskState } from './task-table.ts';
import { describeThrown } from './detectors/thrown.ts';
import type { ExecutionFailure, TaskId } from './types.ts';

const NOOP = (): void => {};

/**
 * What heddle knows of the promises of one execution: the trackers of those it saw being made
 * (`new Promise`, `Promise.all` and friends, `Promise.resolve`), the resolve functions it handed
 * out, the promises it watches from outside (made where heddle does not see), and the order of
 * settlements. Strands (strands.ts) asks it about what frames await and return.
 */
export class PromiseTable {
  private readonly trackers = new WeakMap<object, Tracker>();
  /** Order of settlements (for Promise.race). */
  private settled = 0;
  private readonly unknownWaiters: (() => void)[] = [];
  /** Frames whose promise rejected, other than a task's body (whose throw fails the execution). */
  private readonly rejections: { task: TaskId | null; frame: Frame }[] = [];

  constructor(
    private readonly ex: Execution,
    /** Whether the engine is calling a task's body, or a frame runs its synchronous prefix (Strands.inBody). */
    private readonly inBody: () => boolean,
  ) {}

  /** A frame's promise rejected (its task goes on, or it was a strand of its own). */
  rejected(task: TaskId | null, frame: Frame): void {
    this.rejections.push({ task, frame });
  }

  /**
   * The first rejected promise no code heddle sees awaited, chained on, combined or adopted, as a
   * failure: Node ends the process on an unhandled rejection (fire-and-forget work that fails).
   */
  unhandledRejection(): ExecutionFailure | null {
    const r = this.rejections.find((x) => !x.frame.tracker.handled);
    if (r === undefined) return null;
    const where = siteLocation(r.frame.site);
    return {
      kind: 'uncaught',
      ...(r.task !== null ? { task: r.task } : {}),
      error: r.frame.error,
      message: `${r.frame.name}()${where ? ` at ${where}` : ''} rejected with ${describeThrown(r.frame.error)}, and no code awaited or ` +
        'handled its promise (none that heddle instruments): Node ends the process on an unhandled rejection (await the call, or add a .catch)',
    };
  }

  /** The next number in the order of settlements. */
  nextSettlement(): number {
    return this.settled++;
  }

  /** What heddle knows about an awaited value; an unknown promise is watched from outside. */
  trackerOf(value: unknown, site: number): Tracker {
    if (!isThenable(value)) return SETTLED;
    const own = (value as Tagged)[TRACKER];
    if (own !== undefined) return own;
    const known = this.trackers.get(value);
    if (known !== undefined) return known;
    const where = siteLocation(site);
    const tracker = new Tracker(false, where);
    this.trackers.set(value, tracker);
    this.ex.addUncontrolled(`an await${where ? ` at ${where}` : ''} of a promise heddle did not see being made ` +
      '(uninstrumented code or real I/O): when it settles is not under heddle\'s control');
    this.watch(tracker, Promise.resolve(value));
    return tracker;
  }

  /** Settles `tracker` (one heddle does not control) when `promise` settles, from outside any step. */
  watch(tracker: Tracker, promise: Promise<unknown>): void {
    const settle = (rejected: boolean) => (outcome: unknown) => {
      tracker.settle(rejected, this.settled++, -1, outcome);
      for (const wake of this.unknownWaiters.splice(0)) wake();
      this.ex.wake();
    };
    void promise.then(settle(false), settle(true));
  }

  /**
   * An async function returned a thenable that is not a promise: the language calls its then (once)
   * to settle the function's promise, so heddle watches that promise instead of calling it again.
   */
  followReturnedThenable(frame: Frame): void {
    const where = siteLocation(frame.site);
    const watched = new Tracker(false, where);
    this.ex.addUncontrolled(`'${frame.name}'${where ? ` at ${where}` : ''} returned a thenable that is not a promise: ` +
      'the language calls its then outside any step, so when it settles is not under heddle\'s control');
    frame.tracker.follow(watched);
    if (frame.promise !== null) this.watch(watched, frame.promise);
    else frame.returned = watched; // its promise is known when its synchronous prefix ends (exitFrame)
  }

  /** `new Promise(executor)` in instrumented code: settled at the moment the code settles it. */
  makePromise(executor: (resolve: (v: unknown) => void, reject: (e: unknown) => void) => void, site: number): Promise<unknown> {
    const tracker = new Tracker(true, siteLocation(site));
    let promise!: Promise<unknown>;
    const settle = (value: unknown, rejected: boolean) => {
      if (tracker.settled || this.ex.finished) return;
      const task = this.ex.runningTask;
      if (task === null && !this.inBody()) {
        const where = siteLocation(site);
        this.ex.addUncontrolled(`a promise made${where ? ` at ${where}` : ''} was settled by code heddle does not control (real I/O or uninstrumented code)`);
        for (const wake of this.unknownWaiters.splice(0)) wake();
      }
      if (!rejected && isThenable(value)) tracker.follow(this.trackerOf(value, site));
      else tracker.settle(rejected, this.settled++, task?.id ?? -1, value);
      if (task !== null) this.announceSettled(tracker, task);
      if (rejected) markHandled(promise);
      this.ex.wake();
    };
    promise = new Promise((resolve, reject) => {
      const onResolve = (v: unknown) => {
        settle(v, false);
        resolve(v);
      };
      const onReject = (e: unknown) => {
        settle(e, true);
        reject(e);
      };
      this.resolvers.set(onResolve, tracker);
      this.resolvers.set(onReject, tracker);
      try {
        executor(onResolve, onReject);
      } catch (e) {
        settle(e, true);
        throw e; // the constructor rejects the promise
      }
    });
    this.trackers.set(promise, tracker);
    this.shareable(tracker);
    return promise;
  }

  /**
   * A promise another strand may await: its synchronisation object is made now, in the step that
   * made the promise (or the strand), so that it has the same id in every execution that shares
   * that step — made at its settling, its id would depend on the order of everything before it,
   * and DPOR would have to assume it may be any later object.
   */
  shareable(tracker: Tracker): void {
    // Made now, or settled now by a step of the task that runs it (a promise another task may
    // settle or await was made shareable where it was made): either way at a point of the
    // registering task's own steps, so it gets a birth (ObjectInfo.birth).
    if (tracker.object < 0) tracker.object = this.ex.madeObject('promise', undefined);
  }

  /** Resolve and reject functions of promises made in instrumented code, to the promise's tracker. */
  private readonly resolvers = new WeakMap<object, Tracker>();

  /** Whether `fn` is the resolve or reject function of a promise made in instrumented code. */
  isResolver(fn: unknown): boolean {
    return typeof fn === 'function' && this.resolvers.has(fn);
  }

  /** Functions handed to code heddle does not see into: a promise's resolver among them escapes. */
  handedOut(values: readonly unknown[]): void {
    for (const v of values) {
      if (typeof v !== 'function') continue;
      const tracker = this.resolvers.get(v);
      if (tracker !== undefined) tracker.escaped = true;
    }
  }

  /** `Promise.all(values)` and friends: settled when the inputs decide it. */
  combine(kind: Combinator, values: unknown, site: number): Promise<unknown> {
    const items = Array.from(values as Iterable<unknown>);
    const inputs = items.map((v) => this.trackerOf(v, site));
    const promise = (Promise[kind] as (xs: unknown[]) => Promise<unknown>).call(Promise, items);
    const tracker = Tracker.combine(kind, inputs, this.settled);
    this.trackers.set(promise, tracker);
    if (kind !== 'allSettled' && this.ex.runningTask !== null) {
      // Which inputs have settled already decides it (see `combined`): a look at each. Its own
      // object is made now, where the step that made it is known (see shareable).
      this.shareable(tracker);
      for (const input of new Set(inputs)) {
        if (input === SETTLED || !input.controlled) continue;
        this.shareable(input);
        this.ex.noteBy(this.ex.runningTask, { kind: 'observe', object: input.object });
      }
    }
    return promise;
  }

  /** `Promise.resolve(value)` / `Promise.reject(reason)`. */
  settledPromise(value: unknown, rejected: boolean, site: number): Promise<unknown> {
    const promise = rejected ? Promise.reject(value) : Promise.resolve(value);
    if (promise === value) return promise; // Promise.resolve(p) is p itself
    const tracker = new Tracker(true, siteLocation(site));
    if (!rejected && isThenable(value)) tracker.follow(this.trackerOf(value, site));
    else tracker.settle(rejected, this.settled++, this.ex.runningTask?.id ?? -1, value);
    this.trackers.set(promise, tracker);
    if (rejected) markHandled(promise);
    return promise;
  }

  /** Resolves when one of the pending unknown promises settles. */
  unknownSettled(): Promise<void> {
    return new Promise((resolve) => this.unknownWaiters.push(resolve));
  }

  /** Happens-before: the settling task's step releases to the promise (a note, when it is shared). */
  announceSettled(tracker: Tracker, by: TaskState): void {
    this.shareable(tracker);
    this.ex.noteBy(by, { kind: 'settle', object: tracker.object });
    // It may settle the combined promises it is an input of (first wins): of two inputs' settlings,
    // the order decides which one does, so they conflict.
    if (tracker.decides === null) return;
    const rejected = tracker.rejected;
    for (const combined of tracker.decides) {
      if (!combined.decidedBy(rejected)) continue;
      this.shareable(combined);
      this.ex.noteBy(by, { kind: 'settle', object: combined.object });
    }
  }
}

/**
 * A rejected promise heddle made or tracks. Node would report it as an unhandled rejection if
 * nothing handled it, but uninstrumented code (assert.rejects) may handle it where heddle cannot
 * see: heddle marks it handled so that it never crashes the checker.
 */
export function markHandled(promise: Promise<unknown>): void {
  promise.then(undefined, NOOP);
}
