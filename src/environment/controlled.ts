import type { Execution } from '../../scheduler/execution.ts';
import type { ObjectId } from '../../scheduler/types.ts';
import { callingExecution } from './context.ts';
import { Controlled } from '../primitives/control.ts';
import { spawn } from '../primitives/task.ts';
import { ownAsync } from '../instrument/own.ts';
import { markPure } from '../instrument/builtins.ts';

/** The identity of a controlled function: calls to it conflict with each other. */
class CallTarget extends Controlled {
  constructor(name: string) {
    super('call', name);
  }

  /**
   * Two scheduling points: the call (the function starts, in the calling task) and the response
   * (its result is delivered). The response may come at any later moment the scheduler picks —
   * after other tasks ran, after timers fired — which is what a real I/O completion can do.
   */
  run(start: () => unknown): Promise<unknown> {
    const ex = this.control()!;
    const id = this.id;
    const name = this.name ?? 'call';
    // The object is the function: a trace shows `call fetchToken`, `response fetchToken`.
    return ownAsync(name, callThenRespond, ex, id, start);
  }
}

type AnyFunction = (...args: never[]) => unknown;

/**
 * Wraps an async function (a database client call, `fetch`, a mock) so that inside an
 * exploration each call is a scheduling point and its completion is another, delivered when the
 * scheduler chooses. Outside an exploration the wrapper just calls the function. The wrapped
 * function should only touch state of its own: it runs outside heddle's control.
 */
export function controlledFunction<F extends AnyFunction>(fn: F, name: string = fn.name || 'anonymous'): F {
  const target = new CallTarget(name);
  const wrapper = function (this: unknown, ...args: Parameters<F>) {
    if (callingExecution() === null) return fn.apply(this, args);
    return target.run(() => fn.apply(this, args));
  };
  Object.defineProperty(wrapper, 'name', { value: name });
  markPure(wrapper); // its effects are its call and response operations
  return wrapper as unknown as F;
}

/**
 * Wraps an object of async methods (a client): every method call goes through `controlledFunction`.
 * Non-function properties are passed through.
 */
export function controlledObject<T extends object>(obj: T, label = obj.constructor?.name ?? 'object'): T {
  const cache = new Map<PropertyKey, unknown>();
  return new Proxy(obj, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function' || key === 'constructor') return value;
      let wrapped = cache.get(key);
      if (wrapped === undefined) {
        wrapped = controlledFunction((value as AnyFunction).bind(target) as AnyFunction, `${label}.${String(key)}`);
        cache.set(key, wrapped);
      }
      return wrapped;
    },
  });
}

type NodeCallback = (error: unknown, ...results: unknown[]) => void;

/**
 * Wraps a Node-style function whose last argument is a callback `(err, result)`. Inside an
 * exploration the call and the callback happen in a task of their own (the caller goes on at
 * once, as with the real API), each a scheduling point.
 */
export function controlledCallback<F extends (...args: never[]) => void>(fn: F, name: string = fn.name || 'callback'): F {
  const target = new CallTarget(name);
  const wrapper = function (this: unknown, ...args: unknown[]) {
    if (callingExecution() === null) return (fn as unknown as (...a: unknown[]) => void).apply(this, args);
    const callback = args.pop() as NodeCallback;
    if (typeof callback !== 'function') throw new TypeError(`${name}: the last argument must be a callback`);
    const self = this;
    const run = () => target.run(() => new Promise<unknown[]>((resolve, reject) => {
      (fn as unknown as (...a: unknown[]) => void).apply(self, [...args, (err: unknown, ...out: unknown[]) => (err ? reject(err) : resolve(out))]);
    }));
    spawn(() => ownAsync(`${name} callback`, callbackTask, run, callback, asArguments), `${name} callback`);
  };
  Object.defineProperty(wrapper, 'name', { value: name });
  return wrapper as unknown as F;
}

/**
 * `controlled(fn)` wraps an async function, `controlled(obj)` an object of async methods: inside
 * an exploration each call is a scheduling point and each completion another.
 */
export function controlled<T extends object>(value: T, name?: string): T {
  return typeof value === 'function' ? controlledFunction(value as unknown as AnyFunction, name) as unknown as T : controlledObject(value, name);
}

// Generators declared once (see ownAsync).
function* callThenRespond(ex: Execution, id: ObjectId, start: () => unknown): Generator<unknown, unknown, unknown> {
  let pending: Promise<unknown> = Promise.resolve();
  yield ex.point({ kind: 'call', object: id }, () => {
    // The function runs outside heddle's control, as real I/O would: its own awaits are not
    // scheduling points, only its completion (the response) is.
    pending = ex.uncontrolled(() => (async () => start())());
    ex.trackExternal(pending);
  });
  return yield ex.point({ kind: 'response', object: id, flexible: true }, () => pending);
}

/**
 * The task of a Node-style callback (here and in fs.ts): runs the operation, then calls back with
 * its error, or with null and its value — spread into arguments by `spread` when given.
 */
export function* callbackTask(run: () => unknown, callback: (err: unknown, ...values: unknown[]) => void,
  spread: ((value: unknown) => unknown[]) | null): Generator<unknown, void, unknown> {
  let value: unknown;
  try {
    value = yield run();
  } catch (err) {
    callback(err);
    return;
  }
  callback(null, ...(spread ? spread(value) : [value]));
}

/** A controlled callback's results: the arguments its callback is called with. */
const asArguments = (results: unknown): unknown[] => results as unknown[];
