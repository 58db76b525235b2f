import type { ObjectId, TaskId } from './types.ts';

// What heddle knows about a promise the code under test awaits. The engine cannot read a native
// promise's state synchronously, so it tracks the promises it saw being made (an instrumented
// async call's, a primitive operation's, `new Promise`, `Promise.all` and friends) and settles
// their trackers at the very moment the code settles them. A promise made elsewhere (uninstrumented
// code, real I/O) gets an "unknown" tracker that only a native reaction settles, later: awaiting one
// is reported as a point heddle did not control.

const PENDING = 0;
const FULFILLED = 1;
const REJECTED = 2;

export type Combinator = 'all' | 'allSettled' | 'race' | 'any';

/**
 * The tracker of a promise heddle made itself (an operation's, an async frame's), kept on the
 * promise: a property store costs less than a WeakMap entry, and these are made at every step.
 */
export const TRACKER: unique symbol = Symbol('heddle.tracker') as never;
export type Tagged = { [TRACKER]?: Tracker };

export class Tracker {
  private state = PENDING;
  /** Resolved with another thenable: settled when that one is. */
  private follows: Tracker | null = null;
  /** For Promise.all and friends: the trackers of the inputs. */
  private inputs: readonly Tracker[] | null = null;
  private combinator: Combinator | null = null;
  /** When it settled, in the order of settlements of this execution (for `race`). */
  order = -1;
  /** The synchronisation object the settling and the awaiting tasks meet on (allocated on demand). */
  object: ObjectId = -1;
  /** The task whose step settled it (-1: settled outside any step, or not yet). */
  settledBy: TaskId = -1;
  /**
   * Its resolve or reject function was handed to code heddle does not see into (a real timer,
   * an emitter, a library): it may be settled from outside, at a time heddle does not choose.
   */
  escaped = false;
  /** Code heddle sees awaited it, chained on it (then/catch/finally), combined it or adopted it: a rejection of it is handled. */
  handled = false;

  constructor(
    /** False for a promise heddle did not see being made: its settlement is not under heddle's control. */
    readonly controlled: boolean,
    /** Where the promise was made, for messages. */
    readonly origin?: string,
  ) {}

  /**
   * Combined promises this one is an input of whose outcome its settling may decide (first wins):
   * a race; an any, if it fulfils; an all, if it rejects.
   */
  decides: Tracker[] | null = null;
  /** Of a combined promise: how many settlements there had been when it was made (see `combined`). */
  private born = 0;

  static combine(kind: Combinator, inputs: readonly Tracker[], born: number): Tracker {
    const t = new Tracker(inputs.every((i) => i.isControlled()));
    t.combinator = kind;
    t.inputs = inputs;
    for (const i of inputs) i.handled = true;
    t.born = born;
    if (kind !== 'allSettled') for (const i of inputs) (i.decides ??= []).push(t);
    return t;
  }

  /** Whether this settlement (rejected or not) of one of its inputs may decide this combined promise. */
  decidedBy(rejected: boolean): boolean {
    return this.combinator === 'race' || (this.combinator === 'any' && !rejected) || (this.combinator === 'all' && rejected);
  }

  /** What it settled with: its value, or the rejection's reason. */
  private outcome: unknown = undefined;

  /** Settles it now (first settlement wins, as for promises). */
  settle(rejected: boolean, order: number, by: TaskId, outcome?: unknown): void {
    if (this.state !== PENDING || this.follows !== null) return;
    this.state = rejected ? REJECTED : FULFILLED;
    this.order = order;
    this.settledBy = by;
    this.outcome = outcome;
  }

  /**
   * The value it settled with (the reason, if rejected), once settled: what the promise holds,
   * known without waiting for the native promise (a task that returned a promise ends with it).
   */
  settledValue(): unknown {
    if (this.follows !== null) return this.follows.settledValue();
    if (this.inputs === null) return this.outcome;
    const at = this.settlement();
    switch (this.combinator) {
      case 'all':
        return this.rejected ? this.inputs.find((i) => i.rejected && i.settlement() === at)?.settledValue() : this.inputs.map((i) => i.settledValue());
      case 'allSettled':
        return this.inputs.map((i) => (i.rejected ? { status: 'rejected', reason: i.settledValue() } : { status: 'fulfilled', value: i.settledValue() }));
      case 'any':
        return this.rejected ? new AggregateError(this.inputs.map((i) => i.settledValue())) : this.inputs.find((i) => !i.rejected && i.settlement() === at)?.settledValue();
      default:
        return this.inputs.find((i) => i.settlement() === at)?.settledValue();
    }
  }

  /** Resolved with a thenable: from now on its state is that one's. */
  follow(other: Tracker): void {
    other.handled = true;
    if (this.state !== PENDING || this.follows !== null) return;
    this.follows = other;
  }

  /** Whether no code outside heddle's control decides when it settles. */
  isControlled(): boolean {
    if (!this.controlled || this.escaped) return false;
    if (this.inputs !== null) return this.inputs.every((i) => i.isControlled());
    if (this.follows !== null) return this.follows.isControlled();
    return true;
  }

  get settled(): boolean {
    return this.settlement() >= 0;
  }

  /** The order in which it settled (-1 while pending). */
  settlement(): number {
    if (this.follows !== null) return this.follows.settlement();
    if (this.inputs === null) return this.state === PENDING ? -1 : this.order;
    return combined(this.combinator!, this.inputs, this.born);
  }

  /** Settled and rejected (used for `all`, `any` short-circuits). */
  get rejected(): boolean {
    if (this.follows !== null) return this.follows.rejected;
    if (this.inputs === null) return this.state === REJECTED;
    const at = this.settlement();
    if (at < 0) return false;
    if (this.combinator === 'all') return this.inputs.some((i) => i.rejected && i.settlement() === at);
    if (this.combinator === 'any') return this.inputs.every((i) => i.rejected);
    if (this.combinator === 'race') return this.inputs.some((i) => i.settlement() === at && i.rejected);
    return false;
  }

  /** The synchronisation object of the promise whose settlement decided this one's (-1 if none). */
  decisiveObject(): ObjectId {
    if (this.follows !== null) return this.follows.decisiveObject();
    if (this.inputs === null) return this.object;
    const at = this.settlement();
    for (const i of this.inputs) if (i.settlement() === at) return i.decisiveObject();
    return -1;
  }

  /** Whether it is a combined promise (Promise.all and friends), or follows one. */
  get combines(): boolean {
    return this.follows !== null ? this.follows.combines : this.inputs !== null;
  }

  /**
   * The promises whose settlements decided this one's, transitively, once it has settled: every
   * input of a fulfilled `all`, of `allSettled` and of a rejected `any`; the deciding input
   * otherwise. An await of it acquires from each of them (happens-before), not only from the last.
   */
  contributors(): Tracker[] {
    if (this.follows !== null) return this.follows.contributors();
    if (this.inputs === null) return [this];
    const at = this.settlement();
    const all = this.combinator === 'allSettled' || (this.combinator === 'all' && !this.rejected) || (this.combinator === 'any' && this.rejected);
    return this.inputs.filter((i) => all || i.settlement() === at).flatMap((i) => i.contributors());
  }
}

/**
 * When a combined promise settles: the settlement order that decides it, or -1 while pending.
 * Inputs that had settled before it was made (`born`) come first, in the inputs' order, as the
 * promise's reactions to them run in that order.
 */
function combined(kind: Combinator, inputs: readonly Tracker[], born: number): number {
  if (kind === 'race') {
    let first = -1;
    for (const i of inputs) {
      const at = i.settlement();
      if (at >= 0 && at < born) return at;
      if (at >= 0 && (first < 0 || at < first)) first = at;
    }
    return first;
  }
  // all: every input fulfilled, or the first rejection; any: the first fulfilment, or every
  // input rejected; allSettled: every input settled.
  let last = inputs.length === 0 ? 0 : -1;
  let decisive = -1;
  let pending = false;
  for (const i of inputs) {
    const at = i.settlement();
    if (at < 0) {
      pending = true;
      continue;
    }
    const rejected = i.rejected;
    if ((kind === 'all' && rejected) || (kind === 'any' && !rejected)) {
      if (at < born) return at;
      if (decisive < 0 || at < decisive) decisive = at;
    }
    if (at > last) last = at;
  }
  if (decisive >= 0) return decisive;
  return pending ? -1 : last;
}

/** A tracker that is settled from the start (an awaited plain value). */
export const SETTLED: Tracker = (() => {
  const t = new Tracker(true);
  t.settle(false, 0, -1);
  return t;
})();

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null
    && typeof (value as { then?: unknown }).then === 'function';
}

/** A thenable that is not a promise: the language calls its then itself, once, in a microtask. */
export function isForeignThenable(value: unknown): value is PromiseLike<unknown> {
  return isThenable(value) && !(value instanceof Promise);
}
