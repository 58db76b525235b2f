import { types } from 'node:util';
import { currentExecution } from '../../scheduler/execution.ts';
import { aliasLocations, SHAPE, type MemoryLog } from '../../scheduler/memory.ts';
import { LIVE_EXPORTS, type ModuleHandle } from './api.ts';
import { keysIn, method, update } from './passthrough.ts';
import { builtinEffect, deepMaker, inside, iteratedBy, noteIterator, readNested, returnsNew, clockRead } from './builtins.ts';
import { substituteOf } from './substitutes.ts';

// The memory-effects half of the handle (see "Tracking" in api.ts): what instrumented code
// reads and writes goes to the running step's memory log, so DPOR can tell the steps that commute
// from those that do not. A call of a function instrumented code did not make, whose effects the
// builtin table does not know (a library's), may touch anything: its step is marked as having
// effects heddle cannot see, and is ordered against every step that touches memory.

type Tracking = Pick<ModuleHandle, 'r' | 'w' | 'upd' | 'del' | 'has' | 'rall' | 'live' | 'ki' | 'px' | 'il' | 'ns' | 'ts' | 'ev' | 'clk' | 'pr' | 'pw' | 'mc' | 'fc' | 'f' | 'fs' | 'cls' | 'obj' | 'o' | 'scope' | 'vr' | 'vw'>;
type Callback = (...args: unknown[]) => unknown;
type Bag = Record<PropertyKey, unknown>;

/**
 * Marks a function instrumented code made (its effects are tracked as it runs) with a symbol
 * property: a store on a new closure and a load at a call cost next to nothing, where a WeakSet
 * entry per closure made was a tenth of a step. Symbol.for: copies of this module share it.
 */
const MARK: unique symbol = Symbol.for('heddle.instrumented') as never;
type Marked = { [MARK]?: true };

function mark(fn: unknown): void {
  if (typeof fn === 'function' && Object.isExtensible(fn)) (fn as Marked)[MARK] = true;
}

function isMarked(fn: object): boolean {
  return (fn as Marked)[MARK] === true;
}

/** Whether `fn` was made by instrumented code (its reads and writes are reported as it runs). */
export function isInstrumented(fn: unknown): boolean {
  return typeof fn === 'function' && isMarked(fn);
}

/** The memory log of the step running now, or null (no exploration, or between steps). */
function log(): MemoryLog | null {
  const ex = currentExecution();
  return ex !== null && ex.stepIndex >= 0 ? ex.memory : null;
}

function isObject(o: unknown): o is object {
  return (typeof o === 'object' && o !== null) || typeof o === 'function';
}

/** The location a keyed access of `o` touches: arrays (and typed arrays) are one location. */
function keyOf(o: object, k: PropertyKey): unknown {
  if (Array.isArray(o) || ArrayBuffer.isView(o)) return SHAPE;
  if ((o instanceof Map || o instanceof Set) && k === 'size') return SHAPE;
  // A property's key is a string or a symbol: o[1], o['1'] and o[{ toString: () => '1' }] are one
  // location. (An object key's toString runs here and again in the access itself.)
  return typeof k === 'string' || typeof k === 'symbol' ? k : String(k);
}

const NOTHING = Symbol('nothing');

/**
 * What one next() of a loop's iterator over `source` read, in the step it ran in: the set of keys
 * (an array: the whole), and of a Map the entry it took — `taken` when the loop iterates the Map
 * itself; through values() or the like, every entry.
 */
function readTaken(m: MemoryLog, source: object, taken: unknown): void {
  if (!(source instanceof Map) || taken === NOTHING) return readAll(m, source);
  m.read(source, SHAPE);
  m.read(source, (taken as [unknown, unknown])[0]);
}

/** Prototypes of builtins: a program that changes them at run time is not modelled. */
const BUILTIN_PROTOTYPES: ReadonlySet<object | null> = new Set([null, Object.prototype, Function.prototype, Array.prototype,
  Map.prototype, Set.prototype, Promise.prototype, String.prototype, Number.prototype, Boolean.prototype, Error.prototype,
  Date.prototype, RegExp.prototype, Object.getPrototypeOf(function* generator() {}) as object,
  Object.getPrototypeOf(async function* generator() {}) as object]);

/**
 * A property `o` does not have itself is read where it is found, up its prototype chain (`defaults`
 * of `Object.create(defaults)`, a base class's static field): a write there changes what `o.key`
 * reads. The chain itself is the objects' SHAPE (setPrototypeOf writes it).
 */
function readInherited(m: MemoryLog, o: object, key: unknown): void {
  if (Object.hasOwn(o, key as PropertyKey)) return;
  let holder = Object.getPrototypeOf(o) as object | null;
  if (BUILTIN_PROTOTYPES.has(holder)) return;
  m.read(o, SHAPE);
  while (holder !== null && !BUILTIN_PROTOTYPES.has(holder)) {
    m.read(holder, key);
    if (Object.hasOwn(holder, key as PropertyKey)) return;
    holder = Object.getPrototypeOf(holder) as object | null;
  }
}

/** Every own key of `o`, read (and the set of keys itself); of an iterator of a Map, a Set or an array, of what it iterates. */
function readAll(m: MemoryLog, o: object): void {
  const source = iteratedBy(o);
  if (source !== undefined) return readAll(m, source);
  m.read(o, SHAPE);
  if (o instanceof Map) for (const k of Map.prototype.keys.call(o)) m.read(o, k); // its values (see builtins.ts)
  if (Array.isArray(o) || o instanceof Map || o instanceof Set || ArrayBuffer.isView(o)) return;
  for (const k of Reflect.ownKeys(o)) m.read(o, k);
}

/** What a builtin that returns a new object (Array.from, xs.map, JSON.parse) returned, made by the running step. */
function madeBy(m: MemoryLog, fn: unknown, args: readonly unknown[], result: unknown, self?: unknown): unknown {
  if (!isObject(result)) return result;
  noteIterator(fn, self, result);
  if (deepMaker(fn, args)) madeDeep(m, result);
  else if (returnsNew(fn, result)) m.made(result);
  return result;
}

/** `root` and every object inside it were made now: each is named, in an order the value's own shape fixes. */
function madeDeep(m: MemoryLog, root: object): void {
  const seen = new Set<object>();
  const todo: unknown[] = [root];
  while (todo.length > 0) {
    const o = todo.pop();
    if (!isObject(o) || seen.has(o)) continue;
    seen.add(o);
    m.made(o);
    const values = inside(o);
    for (let i = values.length - 1; i >= 0; i--) todo.push(values[i]);
  }
}

/** Reports a call of `fn` on `self` with `args`; returns nothing, the caller calls. */
function called(m: MemoryLog, fn: unknown, self: unknown, args: readonly unknown[]): void {
  if (typeof fn !== 'function' || isMarked(fn)) return;
  const ex = currentExecution();
  if (ex?.strands.promises.isResolver(fn)) return; // a promise's resolve or reject: its effect is the settling
  const effect = builtinEffect(fn);
  if (effect === 'pure') return;
  if (effect !== undefined) return effect(m, self, args, readAll);
  if (fn === Reflect.apply) return called(m, args[0], args[1], Array.from((args[2] ?? []) as ArrayLike<unknown>));
  if (fn === Function.prototype.call || fn === Function.prototype.apply) {
    // f.call(this, …) / f.apply(this, args): what f does.
    const inner = fn === Function.prototype.call ? args.slice(1) : Array.from((args[1] ?? []) as ArrayLike<unknown>);
    return called(m, self, args[0], inner);
  }
  m.unseen();
  // A resolve function handed to such code (setTimeout(resolve, 10)) may be called from outside.
  ex?.strands.promises.handedOut(args);
}

export const TRACKING: Tracking = {
  r(o, k) {
    const value = (o as Bag)[k];
    const m = isObject(o) ? log() : null;
    if (m !== null) {
      const key = keyOf(o as object, k);
      m.read(o as object, key);
      if (key !== SHAPE) readInherited(m, o as object, key);
    }
    return value;
  },
  w(o, k, v) {
    const m = isObject(o) ? log() : null;
    if (m !== null) {
      const target = o as object;
      if (!Array.isArray(target) && !(k in target)) m.write(target, SHAPE);
      m.write(target, keyOf(target, k));
    }
    return ((o as Bag)[k] = v);
  },
  upd(o, k, delta, prefix) {
    const m = isObject(o) ? log() : null;
    if (m !== null) m.write(o as object, keyOf(o as object, k));
    return update(o as Bag, k, delta, prefix);
  },
  del(o, k) {
    const m = isObject(o) ? log() : null;
    if (m !== null) {
      m.write(o as object, SHAPE);
      m.write(o as object, keyOf(o as object, k));
    }
    return delete (o as Bag)[k];
  },
  has(k, o) {
    const m = isObject(o) ? log() : null;
    if (m !== null) m.read(o as object, keyOf(o as object, k as PropertyKey));
    return (k as PropertyKey) in (o as object);
  },
  live(o) {
    if (types.isGeneratorObject(o)) return generatorLive(o);
    const source = o instanceof Map || o instanceof Set || Array.isArray(o) || ArrayBuffer.isView(o) ? o as object : isObject(o) ? iteratedBy(o) : undefined;
    if (source === undefined) return o;
    const iterable = o as Iterable<unknown>;
    return {
      [Symbol.iterator]() {
        const it = iterable[Symbol.iterator]();
        return {
          next() {
            const r = it.next();
            const m = log();
            if (m !== null) readTaken(m, source, iterable === source && !r.done ? r.value : NOTHING);
            return r;
          },
          return(value?: unknown) {
            it.return?.(value);
            return { done: true, value };
          },
        };
      },
    } as typeof o;
  },
  ki(o) {
    return keysIn(o, () => {
      const m = isObject(o) ? log() : null;
      if (m !== null) m.read(o as object, SHAPE);
    });
  },
  clk(date) {
    const m = log();
    if (m !== null) clockRead(m);
    return date;
  },
  ts(x) {
    if (typeof x === 'object' && x !== null) {
      const m = log();
      if (m !== null) readNested(m, x, readAll);
    }
    return x;
  },
  ev(code) {
    // Direct eval runs code the transform never saw, with the caller's scope: any effect at all.
    if (typeof code === 'string') log()?.unseen();
    return code;
  },
  il(ns, name) {
    const scope = liveScope(ns, name);
    if (scope !== undefined) TRACKING.vr(scope, 0);
  },
  ns(ns) {
    aliasLocations(ns, (key) => {
      const scope = typeof key === 'string' ? liveScope(ns, key) : undefined;
      return scope === undefined ? undefined : [scope, SHAPE];
    });
  },
  px(target, handler) {
    const proxy = new Proxy(target, handler);
    aliasLocations(proxy, (key) => [target, key]);
    return proxy;
  },
  rall(o) {
    const m = isObject(o) ? log() : null;
    if (m !== null) readAll(m, o as object);
    return o;
  },
  pr(o, name) {
    const m = isObject(o) ? log() : null;
    if (m !== null) m.read(o as object, name);
  },
  pw(o, name) {
    const m = isObject(o) ? log() : null;
    if (m !== null) m.write(o as object, name);
  },
  mc(o, k, ...args) {
    const fn = method(o, k);
    const m = log();
    const sub = m === null ? undefined : substituteOf(fn);
    if (sub !== undefined) return (sub as Callback).apply(o, args);
    if (m === null) return fn.apply(o, args);
    called(m, fn, o, args); // the method itself is not a location: methods live on prototypes
    return madeBy(m, fn, args, fn.apply(o, args), o);
  },
  fc(f, ...args) {
    const m = log();
    const sub = m === null ? undefined : substituteOf(f);
    if (sub !== undefined) return (sub as Callback)(...args);
    if (m === null) return (f as Callback)(...args);
    called(m, f, undefined, args);
    return madeBy(m, f, args, (f as Callback)(...args));
  },
  f(fn) {
    mark(fn);
    return fn;
  },
  fs(...fns) {
    for (const fn of fns) mark(fn);
  },
  cls(c) {
    if (typeof c === 'function') {
      mark(c);
      markMembers(c);
      markMembers((c as { prototype?: object }).prototype);
    }
    return c;
  },
  obj(o) {
    markMembers(o);
    return TRACKING.o(o);
  },
  o(o) {
    const m = isObject(o) ? log() : null;
    if (m !== null) m.made(o as object);
    return o;
  },
  scope(module) {
    const token = {};
    const ex = currentExecution();
    if (ex !== null) {
      if (!ex.finished) ex.memory.enterScope(token);
    } else if (module === 1) {
      outside.push(new WeakRef(token));
    }
    // Any other scope entered outside an execution (a factory called at load time, a check run
    // between executions) gets its location at its first read or write, as an object's property
    // would: ids made mid-execution are treated as possibly any later object, which stays sound.
    return token;
  },
  // A scope's captured variables are one location (see MemoryLog.enterScope).
  vr(scope) {
    const m = log();
    if (m !== null) m.read(scope, SHAPE);
  },
  vw(scope) {
    const m = log();
    if (m !== null) m.write(scope, SHAPE);
  },
};

/**
 * A generator a loop whose body suspends iterates: each next() (the loop's, which instrumented
 * code does not call itself) reads and writes the generator, as a call of its next() does
 * (builtins.ts), so that two strands taking from one generator are ordered.
 */
function generatorLive<T>(g: T): T {
  const step = (name: 'next' | 'return' | 'throw') => (value?: unknown) => {
    const m = log();
    if (m !== null) m.write(g as object, SHAPE);
    return (g as unknown as Generator)[name](value);
  };
  const iterator = { next: step('next'), return: step('return'), throw: step('throw') };
  return (Symbol.asyncIterator in (g as object) ? { [Symbol.asyncIterator]: () => iterator } : { [Symbol.iterator]: () => iterator }) as T;
}

/** The scope token of the module whose namespace is `ns` that holds live binding `name`, if it assigns it. */
export function liveScope(ns: object, name: string): object | undefined {
  return ((ns as Record<string, Record<string, object> | undefined>)[LIVE_EXPORTS])?.[name];
}

/** Modules' own scope tokens (made outside any execution), in the order they were made. */
const outside: WeakRef<object>[] = [];

/** Gives every scope made outside an execution its location, in a fixed order, as an execution starts. */
export function enterOutsideScopes(memory: MemoryLog): void {
  let live = 0;
  for (const ref of outside) {
    const token = ref.deref();
    if (token === undefined) continue;
    outside[live++] = ref;
    memory.enterScope(token);
  }
  outside.length = live;
}

/** Marks the methods and accessors defined on `o` itself. */
function markMembers(o: unknown): void {
  if (!isObject(o)) return;
  for (const key of Reflect.ownKeys(o)) {
    const d = Object.getOwnPropertyDescriptor(o, key);
    if (d === undefined) continue;
    if (key !== 'constructor') for (const fn of [d.value, d.get, d.set]) mark(fn);
  }
}
