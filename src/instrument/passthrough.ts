import type { Frame, Generation, ModuleHandle } from './api.ts';

// The handle's behaviour when no exploration is running: every method does exactly what the
// construct it replaced does, so instrumented code runs as ordinary JavaScript.

const NO_FRAME: Frame = Object.freeze({ __frame: true as const });
/** An async generator's run outside any exploration: its awaits are the language's. */
export const NO_GENERATION: Generation = Object.freeze({ __generation: true as const });

type Then = (onFulfilled?: unknown, onRejected?: unknown) => unknown;
type Callback = (...args: unknown[]) => unknown;

/** `for await` over an async iterable, or over a sync iterable of values and promises. */
function asyncIterable(iterable: unknown): AsyncIterable<unknown> {
  const it = iterable as Partial<AsyncIterable<unknown> & Iterable<unknown>> | null | undefined;
  if (it != null && typeof it[Symbol.asyncIterator] === 'function') return it as AsyncIterable<unknown>;
  if (it != null && typeof it[Symbol.iterator] === 'function') {
    return (async function* fromSync() {
      for (const value of it as Iterable<unknown>) yield await value;
    })();
  }
  // Let the native for-await throw its own TypeError.
  return iterable as AsyncIterable<unknown>;
}

export const PASSTHROUGH: ModuleHandle = {
  fn: (_site, body) => body(NO_FRAME),
  aw: (_frame, value) => value,
  ret: (_frame, value) => value,
  threw: () => {},
  leave: () => {},
  iter: (_frame, iterable) => asyncIterable(iterable),
  gs: () => NO_GENERATION,
  gf: () => null,
  gy: (_g, value) => value,
  gr: (_g, sent) => sent,
  gv: (_g, value) => value,
  gt: () => {},
  gl: () => {},
  then: (receiver, _site, onFulfilled, onRejected) =>
    (receiver as { then: Then }).then(onFulfilled as Callback, onRejected as Callback),
  catch: (receiver, _site, onRejected) => (receiver as { catch: (r?: unknown) => unknown }).catch(onRejected),
  finally: (receiver, _site, onFinally) => (receiver as { finally: (f?: unknown) => unknown }).finally(onFinally),
  promise: (_site, executor) => new Promise(executor as ConstructorParameters<typeof Promise>[0]),
  all: (_site, values) => Promise.all(values as Iterable<unknown>),
  allSettled: (_site, values) => Promise.allSettled(values as Iterable<unknown>),
  race: (_site, values) => Promise.race(values as Iterable<unknown>),
  any: (_site, values) => Promise.any(values as Iterable<unknown>),
  resolve: (_site, value) => Promise.resolve(value),
  reject: (_site, reason) => Promise.reject(reason),
  r: (o, k) => (o as Record<PropertyKey, unknown>)[k],
  w: (o, k, v) => ((o as Record<PropertyKey, unknown>)[k] = v),
  upd: (o, k, delta, prefix) => update(o as Record<PropertyKey, unknown>, k, delta, prefix),
  del: (o, k) => delete (o as Record<PropertyKey, unknown>)[k],
  has: (k, o) => (k as PropertyKey) in (o as object),
  rall: (o) => o,
  live: (o) => o,
  px: (target, handler) => new Proxy(target, handler),
  il: () => {},
  ts: (x) => x,
  ev: (x) => x,
  clk: (date) => date,
  ns: () => {},
  ki: (o) => keysIn(o, () => {}),
  pr: () => {},
  pw: () => {},
  mc: (o, k, ...args) => method(o, k).apply(o, args),
  fc: (f, ...args) => (f as Callback)(...args),
  f: (fn) => fn,
  fs: () => {},
  cls: (c) => c,
  obj: (o) => o,
  o: (o) => o,
  scope: () => ({}),
  vr: () => {},
  vw: () => {},
};

/** `o[k]++` and friends, numbers and BigInts alike. */
export function update(o: Record<PropertyKey, unknown>, k: PropertyKey, delta: 1 | -1, prefix: boolean): unknown {
  const old = o[k];
  const before = typeof old === 'bigint' ? old : Number(old);
  const after = typeof before === 'bigint' ? before + BigInt(delta) : before + delta;
  o[k] = after;
  return prefix ? after : before;
}

/**
 * The keys `for (k in o)` visits, as an iterable for a for-of: collected as the loop starts, each
 * taken only if `o` still has it when its turn comes (for-in skips a key deleted before its turn
 * and does not visit keys added meanwhile). `onNext` runs at every next().
 */
export function keysIn(o: unknown, onNext: () => void): Iterable<string> {
  const keys: string[] = [];
  if (o !== null && o !== undefined) for (const k in o as object) keys.push(k);
  const holder = Object(o) as object;
  let i = 0;
  const iterator: Iterator<string> = {
    next() {
      onNext();
      while (i < keys.length) {
        const k = keys[i++]!;
        if (k in holder) return { done: false, value: k };
      }
      return { done: true, value: undefined };
    },
    return(value?: unknown) {
      i = keys.length;
      return { done: true, value };
    },
  };
  return { [Symbol.iterator]: () => iterator };
}

/** `o[k]`, to be called as a method: a TypeError as the language's own when it is not a function. */
export function method(o: unknown, k: PropertyKey): Callback {
  const fn = (o as Record<PropertyKey, unknown>)[k];
  if (typeof fn !== 'function') throw new TypeError(`${String(k)} is not a function`);
  return fn as Callback;
}
