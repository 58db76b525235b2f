import { promisify } from 'node:util';
import { ownAsync } from '../instrument/own.ts';
import { currentExecution } from '../../scheduler/execution.ts';
import { Controlled } from '../primitives/control.ts';
import { spawn, sleep } from '../primitives/task.ts';
import { settledOrAborted, signalOf } from './abort.ts';
import { callingExecution } from './context.ts';
import { builtin, type Patches } from './patch.ts';
import type { PendingOp } from '../../scheduler/types.ts';

type Callback = (...args: unknown[]) => void;

/**
 * A timer inside an exploration: its callback runs in a task of its own, woken in virtual time.
 * Firing, clearing and refreshing touch the timer as one object, so every order of them is explored.
 */
export class VirtualTimer extends Controlled {
  private static nextId = 1;
  readonly handle = VirtualTimer.nextId++;
  cleared = false;
  /** Virtual time the timer is due at (set when it starts waiting, and by refresh). */
  private dueAt = 0;
  private refed = true;
  private daemonTask = -1;
  /** Starts the timer's task again (a refresh after a one-shot timer fired). */
  private restart: () => void = () => {};
  private running = false;
  /** Refreshed since it last came due: a one-shot timer whose callback refreshed it fires again. */
  private again = false;

  constructor(label: string, private readonly delay: Delay) {
    super('timer', label);
  }

  /**
   * Sleeps until the timer is due (an immediate: its turn); true when it should fire, false when
   * it was cleared meanwhile. A refresh while it sleeps moves the due time: it sleeps again.
   */
  private *due(): Generator<Promise<unknown>, boolean, unknown> {
    const ex = this.control()!;
    if (this.delay === 'immediate') return (yield ex.point(immediateTurn(ex.now, this.id), () => !this.cleared)) as boolean;
    this.dueAt = ex.now + this.delay;
    for (;;) {
      const dueAt = this.dueAt;
      const op: PendingOp = { kind: 'sleep', object: this.id, wakeAt: dueAt, enabled: () => ex.now >= dueAt, detail: `${this.delay} ms` };
      const state = yield ex.point(op, () => (this.cleared ? 'cleared' : this.dueAt > ex.now ? 'refreshed' : 'due'));
      if (state !== 'refreshed') return state === 'due';
    }
  }

  clear(): void {
    const ex = this.control();
    this.cleared = true;
    if (ex !== null && ex.inTask) ex.note({ kind: 'write', object: this.id, detail: 'clear' });
  }

  /** Node's Timeout#close: clears it. */
  close(): this {
    this.clear();
    return this;
  }

  /** The timer's task has started; `restart` starts another one. */
  attach(task: number, restart: () => void): void {
    this.daemonTask = task;
    this.restart = restart;
    this.running = true;
  }

  /**
   * The body of the timer's task: waits until it is due and calls back, again while it repeats
   * or its callback refreshed it, until it is cleared.
   */
  *fire(cb: Callback, args: unknown[], repeat: boolean): Generator<Promise<unknown>, void, unknown> {
    try {
      do {
        if (!(yield* this.due())) return;
        this.again = false;
        cb(...args);
      } while ((repeat || this.again) && !this.cleared);
    } finally {
      this.running = false;
    }
  }

  ref(): this {
    this.refed = true;
    currentExecution()?.setDaemon(this.daemonTask, false);
    return this;
  }

  unref(): this {
    this.refed = false;
    currentExecution()?.setDaemon(this.daemonTask, true);
    return this;
  }

  hasRef(): boolean {
    return this.refed;
  }

  /**
   * Node's Timeout#refresh: due `delay` from now; a one-shot timer that already fired is armed
   * again. A cleared timer stays cleared.
   */
  refresh(): this {
    const ex = this.control();
    if (this.cleared || this.delay === 'immediate' || ex === null || !ex.inTask) return this;
    ex.note({ kind: 'write', object: this.id, detail: 'refresh' });
    this.dueAt = ex.now + this.delay;
    this.again = true;
    if (!this.running) this.restart();
    return this;
  }

  /** Its number, by which clearTimeout finds it too (as Node's, once a timer was turned into its number). */
  [Symbol.toPrimitive](): number {
    byNumber?.set(this.handle, this);
    return this.handle;
  }
}

/** The timers of this installation turned into their numbers (cleared by number: clearTimeout(+t)). */
let byNumber: Map<number, VirtualTimer> | null = null;

/** A timer's delay in whole milliseconds, or the turn of a setImmediate callback. */
type Delay = number | 'immediate';

/** Node's longest delay; a longer one, like a shorter than 1 ms or one that is not a number, becomes 1 ms. */
const TIMEOUT_MAX = 2 ** 31 - 1;

/**
 * The delay Node gives a timer asked for `ms`: whole milliseconds from 1 to TIMEOUT_MAX, anything
 * else 1 (setTimeout(fn, 0) and setTimeout(fn, 1) are due together and fire in creation order).
 */
export function nodeDelay(ms: unknown): number {
  const n = Number(ms);
  return n >= 1 && n <= TIMEOUT_MAX ? Math.trunc(n) : 1;
}

/**
 * The wait of an immediate: it may run at once, but time may pass first up to Node's 1 ms
 * granularity (flexible): Node's loop may reach its due timers first (a setTimeout(fn, 0) and a
 * setImmediate set together fire in either order).
 */
function immediateTurn(now: number, object: number): PendingOp {
  return { kind: 'sleep', object, wakeAt: now, flexible: true, flexibleUntil: now + 1, detail: 'immediate' };
}

/** An immediate's wait outside a timer of its own (node:timers/promises' setImmediate without a signal). */
function immediate(): Promise<void> {
  const ex = currentExecution()!;
  return ex.point(immediateTurn(ex.now, -1));
}

function inExploration(): boolean {
  return callingExecution() !== null;
}

/**
 * Installs virtual setTimeout/setInterval/setImmediate (global, node:timers, node:timers/promises),
 * process.nextTick and queueMicrotask. Every callback runs in a task of its own, so the order of
 * ticks, microtasks, immediates and due timers — among themselves and against the other tasks —
 * is explored, not Node's fixed phase order (a tick before an immediate). A callback still never
 * runs before its timer is due.
 */
export function installTimers(patches: Patches): void {
  const real = { setTimeout, setInterval, setImmediate, clearTimeout, clearInterval, clearImmediate,
    nextTick: process.nextTick, queueMicrotask };
  const start = (label: string, delay: Delay, repeat: boolean, cb: Callback, args: unknown[]): VirtualTimer => {
    const timer = new VirtualTimer(label, delay);
    const run = (): void => {
      const task = spawn(() => ownAsync(label, () => timer.fire(cb, args, repeat)), label);
      timer.attach(task.id, run);
      if (!timer.hasRef()) timer.unref();
    };
    run();
    return timer;
  };
  const name = (cb: Callback) => (cb.name ? ` ${cb.name}` : '');
  const vSetTimeout = (cb: Callback, ms = 0, ...args: unknown[]) =>
    inExploration() ? start(`setTimeout ${ms}ms${name(cb)}`, nodeDelay(ms), false, cb, args) : real.setTimeout(cb, ms, ...args);
  const vSetInterval = (cb: Callback, ms = 0, ...args: unknown[]) =>
    inExploration() ? start(`setInterval ${ms}ms${name(cb)}`, nodeDelay(ms), true, cb, args) : real.setInterval(cb, ms, ...args);
  const vSetImmediate = (cb: Callback, ...args: unknown[]) =>
    inExploration() ? start(`setImmediate${name(cb)}`, 'immediate', false, cb, args) : real.setImmediate(cb, ...args);
  const known = (byNumber = new Map());
  const clear = (realClear: (h: never) => void) => (h: unknown) => {
    const timer = typeof h === 'number' || typeof h === 'string' ? known.get(Number(h)) : h;
    if (timer instanceof VirtualTimer) timer.clear();
    else if (h !== undefined && h !== null) realClear(h as never);
  };
  const timers = builtin('node:timers');
  const promises = builtin('node:timers/promises');
  const realPromises = { ...promises } as Record<string, (...a: unknown[]) => unknown>;
  const realTimeout = AbortSignal.timeout;
  const replace = { setTimeout: vSetTimeout, setInterval: vSetInterval, setImmediate: vSetImmediate,
    clearTimeout: clear(real.clearTimeout as never), clearInterval: clear(real.clearInterval as never),
    clearImmediate: clear(real.clearImmediate as never) };
  for (const [key, value] of Object.entries(replace)) {
    patches.shadow(globalThis, key, value);
    patches.set(timers, key, value);
  }
  // With a signal (or ref: false) a delay is a timer of its own that the caller waits for, so an
  // abort can end the wait at once, before the timer is due, as Node's does.
  const after = (delay: Delay, value: unknown, options?: unknown) => {
    const signal = signalOf(options);
    const unref = (options as { ref?: unknown } | undefined)?.ref === false;
    const label = delay === 'immediate' ? 'setImmediate' : 'setTimeout';
    if (signal === undefined && !unref) {
      return ownAsync(label, waitFor, delay, value);
    }
    return settledOrAborted(label, signal, (settle) => {
      const timer = start(delay === 'immediate' ? label : `${label} ${delay}ms`, delay, false, () => settle({ ok: true, value }), []);
      if (unref) timer.unref();
      return () => timer.clear();
    });
  };
  const pSetTimeout = (ms = 0, value?: unknown, options?: unknown) =>
    inExploration() ? after(nodeDelay(ms), value, options) : realPromises.setTimeout!(ms, value, options);
  const pSetImmediate = (value?: unknown, options?: unknown) =>
    inExploration() ? after('immediate', value, options) : realPromises.setImmediate!(value, options);
  patches.set(promises, 'setTimeout', pSetTimeout);
  patches.set(promises, 'setImmediate', pSetImmediate);
  // util.promisify(setTimeout) takes Node's promise version from this symbol, as for the real ones.
  Object.defineProperty(vSetTimeout, promisify.custom, { value: pSetTimeout });
  Object.defineProperty(vSetImmediate, promisify.custom, { value: pSetImmediate });
  patches.set(promises, 'setInterval', (ms = 0, value?: unknown, options?: unknown) => {
    if (!inExploration()) return realPromises.setInterval!(ms, value, options);
    // An async iterator whose every next() is a frame of heddle's own: each tick is a sleep.
    const period = nodeDelay(ms);
    const signal = signalOf(options);
    const next = () => (signal === undefined ? ownAsync('setInterval', waitFor, period, { done: false, value })
      : after(period, { done: false, value }, options));
    return { next, return: () => Promise.resolve({ done: true, value: undefined }), [Symbol.asyncIterator]() { return this; } };
  });
  // AbortSignal.timeout aborts on a timer of Node's own: a virtual one instead, unref'd as Node's is.
  patches.set(AbortSignal as unknown as Record<string, unknown>, 'timeout', function timeout(ms: number): AbortSignal {
    if (!inExploration()) return realTimeout.call(AbortSignal, ms);
    const controller = new AbortController();
    const reason = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    start(`AbortSignal.timeout ${ms}ms`, nodeDelay(ms), false, () => controller.abort(reason), []).unref();
    return controller.signal;
  });
  patches.shadow(process, 'nextTick', function nextTick(cb: Callback, ...args: unknown[]): void {
    // A non-function goes to the real one, which throws Node's own TypeError.
    if (!inExploration() || typeof cb !== 'function') return real.nextTick(cb, ...args);
    spawn(() => cb(...args), `nextTick${name(cb)}`);
  });
  patches.shadow(globalThis, 'queueMicrotask', function queueMicrotask(cb: () => void): void {
    if (!inExploration() || typeof cb !== 'function') return real.queueMicrotask(cb);
    spawn(() => cb(), `queueMicrotask${name(cb)}`);
  });
}

/** A wait for a virtual delay, then its value (declared once: see ownAsync). */
function* waitFor(delay: Delay, value: unknown): Generator<unknown, unknown, unknown> {
  yield delay === 'immediate' ? immediate() : sleep(delay);
  return value;
}
