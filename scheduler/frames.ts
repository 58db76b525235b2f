import { Tracker, TRACKER, type Tagged } from './promises.ts';
import { siteInfo } from './sites.ts';
import type { ObjectId, PendingOp, TaskId } from './types.ts';

// The pieces of a strand. A strand is a chain of async activations that run one after another
// (`await f()` makes f's frame part of the caller's strand); every concurrently running chain — a
// branch of Promise.all, an async call not awaited at once, a .then callback, a spawned task —
// is a strand of its own, and every strand is a task the scheduler picks.

/** What a suspended frame waits for. */
export type Waiting = FreshOp | AwaitedPromise;

/**
 * An `await` of a promise (or a plain value), and the pending op of the task whose leaf frame
 * awaits it: the frame resumes with the value once it has settled.
 */
export class AwaitedPromise implements PendingOp {
  readonly kind = 'await';

  constructor(
    readonly tracker: Tracker,
    /** The awaited value itself: the frame's await adopts it when resumed. */
    readonly value: unknown,
    /** The await's site (see sites.ts), or -1. */
    readonly site: number,
  ) {}

  /** The promise object it synchronises with: the one whose settlement decided it (-1: none, a plain value). */
  get object(): ObjectId {
    return this.tracker.decisiveObject();
  }

  get waitsFor(): string {
    const where = siteInfo(this.site);
    const at = where !== undefined && where.file !== '' ? ` (${where.text} at ${where.file}:${where.line})` : '';
    return this.tracker.isControlled() ? `the promise it awaits${at}, which no task left will settle`
      : `a promise heddle does not control${at}, which nothing settled`;
  }

  get detail(): string | undefined {
    return siteInfo(this.site)?.text;
  }

  enabled(): boolean {
    return this.tracker.settled;
  }
}

/**
 * One activation of an instrumented async function. It runs its synchronous prefix inside the
 * step of whoever called it ("on the stack"); at its first await it either joins the caller's
 * strand (the caller awaits its promise at once) or becomes a strand of its own.
 */
export class Frame {
  readonly __frame = true as const;
  /** Running its synchronous prefix: called in this step, not suspended yet. */
  onStack = true;
  /** What it waits for while suspended. */
  waiting: Waiting | null = null;
  /** Settles the promise its native await is on (for an AwaitedPromise). */
  resume: ((value: unknown) => void) | null = null;
  /** The promise the async function returned (known once its synchronous prefix ended). */
  promise: Promise<unknown> | null = null;
  readonly tracker = new Tracker(true);
  /** It returned a thenable that is not a promise before its promise was known: what watches that promise. */
  returned: Tracker | null = null;
  /** For a suspended frame that no strand owns yet: itself and the frames it adopted, outermost first. */
  chain: Frame[] | null = null;
  /** The site of the await it is suspended at (-1 before its first await). */
  awaitSite = -1;
  result: unknown = undefined;
  error: unknown = undefined;
  threw = false;
  done = false;

  constructor(
    /** The execution it belongs to (a frame outliving its execution is ignored). */
    readonly owner: object,
    /** The async function's name, for strand names (`transfer#2`). */
    readonly name: string,
    readonly site: number,
  ) {}
}

/**
 * An operation of a primitive that no strand has taken up yet: it was requested in this step and
 * will either be awaited at once by the frame that requested it (it then is that strand's next
 * step) or become a strand of its own (`Promise.all([x.update(f), y.update(g)])`).
 */
export class FreshOp {
  resolve!: (value: unknown) => void;
  readonly promise: Promise<unknown>;
  readonly tracker = new Tracker(true);

  constructor(
    readonly op: PendingOp,
    readonly effect: (() => unknown) | null,
    /** The task whose step requested it (-1: outside any step). */
    readonly issuer: TaskId,
    readonly location: string | undefined,
  ) {
    this.promise = new Promise((resolve) => (this.resolve = resolve));
    (this.promise as Tagged)[TRACKER] = this.tracker;
  }
}
