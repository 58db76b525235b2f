import { promisify } from 'node:util';
import { ownAsync } from '../instrument/own.ts';
import { currentExecution } from '../../scheduler/execution.ts';
import { Controlled } from '../primitives/control.ts';
import { spawn, sleep } from '../primitives/task.ts';
import { settledOrAborted, signalOf } from './abort.ts';
import { callingExecution } from './context.ts';
import { builtin, type Patches } from './patch.ts';

type Callback = (...args: unknown[]) => void;

/**
 * A timer inside an exploration: its callback runs in a task of its own, woken in virtual time.
 * Firing and clearing touch the timer as one object, so every order of the two is explored.
 */
export class VirtualTimer extends Controlled {
  private static nextId = 1;
  readonly handle = VirtualTimer.nextId++;
  cleared = false;
  private daemonTask = -1;

  constructor(label: string) {
    super('timer', label);
  }

  /** Sleeps until the timer is due; true when it should fire (it was not cleared meanwhile). */
  due(ms: number): Promise<boolean> {
    const ex = this.control()!;
    const wakeAt = ex.now + Math.max(0, Number.isFinite(ms) ? ms : 0);
    return ex.point({ kind: 'sleep', object: this.id, wakeAt, enabled: () => ex.now >= wakeAt, detail: `${ms} ms` }, () => !this.cleared);
  }

  clear(): void {
    const ex = this.control();
    this.cleared = true;
    if (ex !== null && ex.inTask) ex.note({ kind: 'write', object: this.id, detail: 'clear' });
  }

  attach(task: number): void {
    this.daemonTask = task;
  }

  ref(): this {
    currentExecution()?.setDaemon(this.daemonTask, false);
    return this;
  }

  unref(): this {
    currentExecution()?.setDaemon(this.daemonTask, true);
    return this;
  }

  hasRef(): boolean {
    return true;
  }

  refresh(): this {
    return this;
  }

  [Symbol.toPrimitive](): number {
    return this.handle;
  }
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
  const start = (label: string, ms: number, repeat: boolean, cb: Callback, args: unknown[]): VirtualTimer => {
    const timer = new VirtualTimer(label);
    const task = spawn(() => ownAsync(label, function* timerTask() {
      do {
        if (!(yield timer.due(ms))) return;
        cb(...args);
      } while (repeat && !timer.cleared);
    }), label);
    timer.attach(task.id);
    return timer;
  };
  const name = (cb: Callback) => (cb.name ? ` ${cb.name}` : '');
  const vSetTimeout = (cb: Callback, ms = 0, ...args: unknown[]) =>
    inExploration() ? start(`setTimeout ${ms}ms${name(cb)}`, ms, false, cb, args) : real.setTimeout(cb, ms, ...args);
  const vSetInterval = (cb: Callback, ms = 0, ...args: unknown[]) =>
    inExploration() ? start(`setInterval ${ms}ms${name(cb)}`, Math.max(1, ms), true, cb, args) : real.setInterval(cb, ms, ...args);
  const vSetImmediate = (cb: Callback, ...args: unknown[]) =>
    inExploration() ? start(`setImmediate${name(cb)}`, 0, false, cb, args) : real.setImmediate(cb, ...args);
  const clear = (realClear: (h: never) => void) => (h: unknown) => {
    if (h instanceof VirtualTimer) h.clear();
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
  const after = (ms: number, value: unknown, options?: unknown) => {
    const signal = signalOf(options);
    const unref = (options as { ref?: unknown } | undefined)?.ref === false;
    if (signal === undefined && !unref) {
      return ownAsync('setTimeout', function* delay() {
        yield sleep(ms);
        return value;
      });
    }
    return settledOrAborted('setTimeout', signal, (settle) => {
      const timer = start(`setTimeout ${ms}ms`, ms, false, () => settle({ ok: true, value }), []);
      if (unref) timer.unref();
      return () => timer.clear();
    });
  };
  const pSetTimeout = (ms = 0, value?: unknown, options?: unknown) =>
    inExploration() ? after(Number(ms), value, options) : realPromises.setTimeout!(ms, value, options);
  const pSetImmediate = (value?: unknown, options?: unknown) =>
    inExploration() ? after(0, value, options) : realPromises.setImmediate!(value, options);
  patches.set(promises, 'setTimeout', pSetTimeout);
  patches.set(promises, 'setImmediate', pSetImmediate);
  // util.promisify(setTimeout) takes Node's promise version from this symbol, as for the real ones.
  Object.defineProperty(vSetTimeout, promisify.custom, { value: pSetTimeout });
  Object.defineProperty(vSetImmediate, promisify.custom, { value: pSetImmediate });
  patches.set(promises, 'setInterval', (ms = 0, value?: unknown, options?: unknown) => {
    if (!inExploration()) return realPromises.setInterval!(ms, value, options);
    // An async iterator whose every next() is a frame of heddle's own: each tick is a sleep.
    const period = Math.max(1, Number(ms));
    const signal = signalOf(options);
    const next = () => (signal === undefined ? ownAsync('setInterval', function* tick() {
      yield sleep(period);
      return { done: false, value };
    }) : after(period, { done: false, value }, options));
    return { next, return: () => Promise.resolve({ done: true, value: undefined }), [Symbol.asyncIterator]() { return this; } };
  });
  // AbortSignal.timeout aborts on a timer of Node's own: a virtual one instead, unref'd as Node's is.
  patches.set(AbortSignal as unknown as Record<string, unknown>, 'timeout', function timeout(ms: number): AbortSignal {
    if (!inExploration()) return realTimeout.call(AbortSignal, ms);
    const controller = new AbortController();
    const reason = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    start(`AbortSignal.timeout ${ms}ms`, Number(ms), false, () => controller.abort(reason), []).unref();
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
