import assert from 'node:assert';
import * as nodeCrypto from 'node:crypto';
import { isDeepStrictEqual, inspect, format } from 'node:util';
import { SHAPE, type MemoryLog } from '../../scheduler/memory.ts';

// What builtin functions do to memory, for the calls instrumented code makes (tracking.ts). A
// function not listed here and not made by instrumented code has unknown effects.
//
// Conventions (see memory.ts): a Map's or a Set's entry for key k is location k; adding or
// removing a key also writes the SHAPE (the set of keys), which size and keys() read; what reads
// a Map's values as a whole (values(), entries(), forEach, iteration, a deep read) reads the SHAPE
// and every entry. An array is one location.

type ReadAll = (m: MemoryLog, o: object) => void;
export type Effect = 'pure' | ((m: MemoryLog, self: unknown, args: readonly unknown[], readAll: ReadAll) => void);

const table = new Map<unknown, Effect>();

function isObject(o: unknown): o is object {
  return (typeof o === 'object' && o !== null) || typeof o === 'function';
}

function each(owner: object | undefined, names: readonly (string | symbol)[], effect: Effect): void {
  if (owner === undefined) return;
  for (const name of names) {
    const d = Object.getOwnPropertyDescriptor(owner, name);
    if (typeof d?.value === 'function') table.set(d.value, effect);
  }
}

const readSelf: Effect = (m, self) => {
  if (isObject(self)) m.read(self, SHAPE);
};
const writeSelf: Effect = (m, self) => {
  if (isObject(self)) m.write(self, SHAPE);
};
const readKey: Effect = (m, self, args) => {
  if (isObject(self)) m.read(self, args[0]);
};
/** set / add: the entry is written; the set of keys too when the key is new (run before the call). */
const addKey: Effect = (m, self, args) => {
  if (!isObject(self)) return;
  m.write(self, args[0]);
  if (!hasKey(self, args[0])) m.write(self, SHAPE);
};
/** delete: the entry is written; the set of keys too when the key was there. */
const removeKey: Effect = (m, self, args) => {
  if (!isObject(self)) return;
  m.write(self, args[0]);
  if (hasKey(self, args[0])) m.write(self, SHAPE);
};
/** Whether a Map, Set, WeakMap or WeakSet holds `key` (the builtin's own has, not an override). */
function hasKey(self: object, key: unknown): boolean {
  const has = self instanceof Map ? Map.prototype.has : self instanceof Set ? Set.prototype.has
    : self instanceof WeakMap ? WeakMap.prototype.has : self instanceof WeakSet ? WeakSet.prototype.has : undefined;
  return has === undefined || (has as (this: object, k: unknown) => boolean).call(self, key);
}
/** A Map's values as a whole: the set of keys and every entry (readAll). */
const readEntries: Effect = (m, self, _args, readAll) => {
  if (isObject(self)) readAll(m, self);
};
const clearAll: Effect = (m, self) => {
  if (!(self instanceof Map || self instanceof Set)) return;
  for (const k of self.keys()) m.write(self, k);
  m.write(self, SHAPE);
};
/** Reads its arguments shallowly (Object.keys(o), Array.from(xs)); a function argument is code to call, not data. */
const readArgs: Effect = (m, _self, args, readAll) => {
  for (const a of args) if (isObject(a) && typeof a !== 'function') readAll(m, a);
};

const ITERATION = ['forEach', 'keys', 'values', 'entries', Symbol.iterator];
each(Map.prototype, ['get', 'has'], readKey);
each(Map.prototype, ['set'], addKey);
each(Map.prototype, ['delete'], removeKey);
each(Map.prototype, ['clear'], clearAll);
each(Map.prototype, ['keys'], readSelf);
each(Map.prototype, ['forEach', 'values', 'entries', Symbol.iterator], readEntries);
each(WeakMap.prototype, ['get', 'has'], readKey);
each(WeakMap.prototype, ['set'], addKey);
each(WeakMap.prototype, ['delete'], removeKey);
each(Set.prototype, ['has'], readKey);
each(Set.prototype, ['add'], addKey);
each(Set.prototype, ['delete'], removeKey);
each(Set.prototype, ['clear'], clearAll);
each(Set.prototype, ITERATION, readSelf);
each(WeakSet.prototype, ['has'], readKey);
each(WeakSet.prototype, ['add'], addKey);
each(WeakSet.prototype, ['delete'], removeKey);

/**
 * Reads `o` and, an array, the arrays nested in it (join and toString turn each element into a
 * string: a nested array is joined too; so are the arrays flat takes apart and concat appends).
 * Also what turning `o` into a string reads (a template literal's `${o}`): a Date too.
 */
export function readNested(m: MemoryLog, o: unknown, readAll: ReadAll, depth = DEEP_LIMIT): void {
  if (!isObject(o) || typeof o === 'function') return;
  const seen = new Set<object>();
  const todo: [object, number][] = [[o, 0]];
  while (todo.length > 0) {
    const [x, d] = todo.pop()!;
    if (seen.has(x)) continue;
    if (seen.size >= DEEP_LIMIT) return m.unseen();
    seen.add(x);
    if (x instanceof Date) m.read(x, SHAPE);
    if (!Array.isArray(x)) continue;
    readAll(m, x);
    if (d < depth) for (const v of x) if (Array.isArray(v) || v instanceof Date) todo.push([v, d + 1]);
  }
}
const readSelfNested: Effect = (m, self, _args, readAll) => readNested(m, self, readAll);
const ARRAY_WRITES = ['push', 'pop', 'shift', 'unshift', 'splice', 'sort', 'reverse', 'fill', 'copyWithin'];
const ARRAY_NESTED = ['join', 'toString', 'toLocaleString', 'flat', 'concat', 'flatMap', 'sort'];
each(Array.prototype, ARRAY_WRITES, writeSelf);
each(Array.prototype, Object.getOwnPropertyNames(Array.prototype).filter((n) => !ARRAY_WRITES.includes(n) && !ARRAY_NESTED.includes(n) && n !== 'constructor')
  .concat([Symbol.iterator] as never), readSelf);
each(Array.prototype, ['join', 'toString', 'toLocaleString'], readSelfNested);
each(Array.prototype, ['flat'], (m, self, args, readAll) => readNested(m, self, readAll, args[0] === undefined ? 1 : Number(args[0])));
// concat appends its array arguments' elements.
each(Array.prototype, ['concat'], (m, self, args, readAll) => {
  readAll(m, self as object);
  for (const a of args) if (Array.isArray(a)) readAll(m, a);
});
// sort without a comparator compares elements as strings.
each(Array.prototype, ['sort'], (m, self, args, readAll) => {
  if (args[0] === undefined) readNested(m, self, readAll);
  writeSelf(m, self, args, readAll);
});
// flatMap flattens whatever arrays its callback returns, which may be any array: unknown effects.
each(Array.prototype, ['flatMap'], (m, self, _args, readAll) => {
  readAll(m, self as object);
  m.unseen();
});
each(Object.getPrototypeOf(Int8Array.prototype) as object, ['set', 'fill', 'sort', 'reverse', 'copyWithin'], writeSelf);
each(Object.getPrototypeOf(Int8Array.prototype) as object, ['at', 'includes', 'indexOf', 'join', 'slice', 'subarray', 'every', 'some',
  'find', 'findIndex', 'forEach', 'map', 'filter', 'reduce', 'keys', 'values', 'entries'], readSelf);

// A DataView's get… and set… read and write the buffer it views (memory.ts: a view is its buffer).
const dataView = Object.getOwnPropertyNames(DataView.prototype);
each(DataView.prototype, dataView.filter((n) => n.startsWith('get')), readSelf);
each(DataView.prototype, dataView.filter((n) => n.startsWith('set')), writeSelf);

each(Object, ['keys', 'values', 'entries', 'getOwnPropertyNames', 'getOwnPropertySymbols', 'fromEntries', 'is', 'getPrototypeOf',
  'isFrozen', 'isSealed', 'isExtensible', 'hasOwn', 'getOwnPropertyDescriptor', 'getOwnPropertyDescriptors'], readArgs);
each(Object, ['assign'], (m, _self, args, readAll) => {
  const [target, ...sources] = args;
  for (const s of sources) if (isObject(s)) readAll(m, s);
  if (!isObject(target)) return;
  m.write(target, SHAPE);
  for (const s of sources) if (isObject(s)) for (const k of Reflect.ownKeys(s)) m.write(target, k);
});
// On a function these name or decorate it (esbuild's keepNames helper defines every closure's
// name): not state the program shares.
each(Object, ['freeze', 'seal', 'preventExtensions', 'defineProperty', 'defineProperties', 'setPrototypeOf'], (m, _self, args) => {
  if (isObject(args[0]) && typeof args[0] !== 'function') m.write(args[0], SHAPE);
});
each(Object.prototype, ['hasOwnProperty', 'propertyIsEnumerable', 'isPrototypeOf', 'toString', 'valueOf', 'toLocaleString'], readSelf);
each(Array, ['from', 'of', 'isArray'], readArgs);
each(Reflect, ['ownKeys', 'has', 'get', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'isExtensible'], readArgs);
// Reflect.apply(f, self, args) does what f does (tracking.ts, called).

// Pure as far as the program's state goes: they read their (primitive) arguments only, or print.
for (const owner of [Math, Number, String, JSON, console, Date, BigInt, Symbol, Boolean] as object[]) {
  for (const name of Object.getOwnPropertyNames(owner)) {
    const fn = (owner as Record<string, unknown>)[name];
    if (typeof fn === 'function' && !(owner === JSON && name === 'stringify')) table.set(fn, 'pure');
  }
}
each(Number.prototype, Object.getOwnPropertyNames(Number.prototype), 'pure');
// A Date is one location: its setters write it, everything else reads it.
const dateNames = Object.getOwnPropertyNames(Date.prototype).filter((n) => n !== 'constructor');
each(Date.prototype, dateNames.filter((n) => n.startsWith('set')), writeSelf);
each(Date.prototype, dateNames.filter((n) => !n.startsWith('set')).concat([Symbol.toPrimitive] as never), readSelf);
/**
 * A global or sticky RegExp keeps where its last match ended (lastIndex) and every match reads and
 * writes it, also one made through a string's match, replace, search or split.
 */
const lastIndex: Effect = (m, self, args) => {
  for (const re of [self, ...args]) {
    if (re instanceof RegExp && (re.global || re.sticky)) {
      m.read(re, 'lastIndex');
      m.write(re, 'lastIndex');
    }
  }
};
each(RegExp.prototype, ['test', 'exec', Symbol.match, Symbol.matchAll, Symbol.replace, Symbol.search, Symbol.split], lastIndex);
const regexpTaking = ['match', 'matchAll', 'replace', 'replaceAll', 'search', 'split'];
each(String.prototype, regexpTaking, lastIndex);
each(String.prototype, Object.getOwnPropertyNames(String.prototype).filter((n) => !regexpTaking.includes(n)), 'pure');
each(Function.prototype, ['bind', 'toString'], 'pure');
for (const fn of [decodeURIComponent, decodeURI, Boolean, Symbol, BigInt]) table.set(fn, 'pure');
// Turning an array (or a Date) into a string or a number reads it, nested arrays too.
for (const fn of [String, Number, parseInt, parseFloat, isNaN, isFinite, encodeURIComponent, encodeURI]) {
  table.set(fn, (m, _self, args, readAll) => { for (const a of args) readNested(m, a, readAll); });
}
// Values heddle does not control unless the scenario's environment replaces them (then these
// are not the functions called): a run that takes one is not a proof.
const uncontrolled = (what: string, environment: string) => (m: MemoryLog): void =>
  m.uncontrolled(`${what} took a value heddle does not control: turn on the scenario's environment (${environment}) to explore and replay it`);
table.set(Math.random, uncontrolled('Math.random()', 'random'));
for (const [fn, what] of [[Date.now, 'Date.now()'], [Date, 'Date()'], [performance.now, 'performance.now()'], [process.hrtime, 'process.hrtime()'],
  [process.hrtime.bigint, 'process.hrtime.bigint()']] as const) table.set(fn, uncontrolled(what, 'clock'));
each(Object.getPrototypeOf(globalThis.crypto) as object, ['randomUUID', 'getRandomValues'], uncontrolled('crypto', 'random'));
each(nodeCrypto, ['randomUUID', 'randomBytes', 'randomInt', 'randomFillSync', 'getRandomValues', 'pseudoRandomBytes'], uncontrolled('node:crypto', 'random'));
/** `new Date()`: the real clock, unless the environment replaced Date. */
const RealDate = Date;
const newDate = uncontrolled('new Date()', 'clock');
export function clockRead(m: MemoryLog): void {
  if (globalThis.Date === RealDate) newDate(m);
}
each(Promise.prototype, ['then', 'catch', 'finally'], 'pure');
each(Promise, ['all', 'allSettled', 'race', 'any', 'resolve', 'reject'], 'pure');
each(Error, ['captureStackTrace'], 'pure');
// Iterators of builtins: each next() reads what it iterates, in the step it runs in (an iterator
// may be kept and advanced across awaits), as a loop's next() does (tracking.ts, iterated).
for (const iterable of [new Map(), new Set(), []] as Iterable<unknown>[]) {
  const proto = Object.getPrototypeOf(iterable[Symbol.iterator]()) as object;
  each(proto, ['next'], (m, self, _args, readAll) => {
    const source = isObject(self) ? iteratedBy(self) : undefined;
    if (source !== undefined) readAll(m, source);
  });
}
each(Object.getPrototypeOf(''[Symbol.iterator]()) as object, ['next'], 'pure');
// A generator's next runs its own (instrumented) code, which notes its own effects; the generator
// also keeps its place and its locals from one call to the next: a call reads and writes it.
each(Object.getPrototypeOf(function* generator() {}).prototype as object, ['next', 'return', 'throw'], writeSelf);
each(Object.getPrototypeOf(async function* generator() {}).prototype as object, ['next', 'return', 'throw'], writeSelf);

/** Iterators of Maps, Sets and arrays (values(), entries(), keys()), to what they iterate. */
const iterated = new WeakMap<object, object>();
const ITERATOR_METHODS: ReadonlySet<unknown> = new Set([Map.prototype.values, Map.prototype.entries, Map.prototype.keys,
  Set.prototype.values, Set.prototype.entries, Array.prototype.values, Array.prototype.entries, Array.prototype.keys]);

/** Notes what `iterator`, returned by builtin `fn` called on `self`, iterates (if it is such an iterator). */
export function noteIterator(fn: unknown, self: unknown, iterator: object): void {
  if (ITERATOR_METHODS.has(fn) && isObject(self)) iterated.set(iterator, self);
}

/** What an iterator of a Map, a Set or an array iterates (undefined for any other object). */
export function iteratedBy(iterator: object): object | undefined {
  return iterated.get(iterator);
}

/**
 * Reads its arguments through and through (assertions, JSON.stringify, structuredClone): every
 * object reachable from them, up to a bound; past it the step has effects heddle cannot see.
 */
const DEEP_LIMIT = 1000;
const readDeep: Effect = (m, _self, args, readAll) => {
  const seen = new Set<object>();
  const todo = args.filter(isObject);
  while (todo.length > 0) {
    const o = todo.pop()!;
    if (seen.has(o)) continue;
    if (seen.size >= DEEP_LIMIT) return m.unseen();
    seen.add(o);
    readAll(m, o);
    for (const v of inside(o)) if (isObject(v) && typeof v !== 'function') todo.push(v);
  }
};

/**
 * The values an object holds: a Map's keys and values, a Set's or an array's elements, other
 * objects' own properties (a typed array's are numbers: none listed).
 */
export function inside(o: object): unknown[] {
  return o instanceof Map ? [...o.keys(), ...o.values()] : o instanceof Set ? [...o] : Array.isArray(o) ? o
    : ArrayBuffer.isView(o) ? [] : Reflect.ownKeys(o).map((k) => (o as Record<PropertyKey, unknown>)[k]);
}
for (const owner of [assert, assert.strict] as unknown as Record<string, unknown>[]) {
  table.set(owner, readDeep);
  for (const name of Object.keys(owner)) if (typeof owner[name] === 'function') table.set(owner[name], readDeep);
}
for (const fn of [JSON.stringify, structuredClone, isDeepStrictEqual, inspect, format]) table.set(fn, readDeep);
each(console, ['log', 'info', 'warn', 'error', 'debug', 'dir', 'table', 'trace'], 'pure');

/**
 * Builtins whose result is an object they made (never one passed in or kept elsewhere): that
 * object is made by the calling step (see MemoryLog.made). Only the result itself, except for
 * deepMaker's.
 */
// (Not split, whose separator may be an object that splits as it likes.)
const makers = new Set<unknown>([Object.keys, Object.values, Object.entries, Object.fromEntries, Object.getOwnPropertyNames]);
for (const name of ['toSorted', 'toReversed', 'toSpliced', 'with']) {
  const fn = (Array.prototype as unknown as Record<string, unknown>)[name];
  if (typeof fn === 'function') makers.add(fn);
}
/**
 * These make their result with a constructor the receiver picks (`this`, Symbol.species), which
 * may return any object: only a plain array counts as made.
 */
const arrayMakers = new Set<unknown>([Array.from, Array.of, ...['map', 'filter', 'slice', 'concat', 'flat', 'flatMap']
  .map((name) => (Array.prototype as unknown as Record<string, unknown>)[name])]);

/**
 * Whether the call `fn(...args)` made its result and every object inside it: structuredClone, and
 * JSON.parse without a reviver (a reviver may return any object).
 */
export function deepMaker(fn: unknown, args: readonly unknown[]): boolean {
  return fn === structuredClone || (fn === JSON.parse && typeof args[1] !== 'function');
}

/** Whether `result`, returned by builtin `fn`, is an object the call made (see makers). */
export function returnsNew(fn: unknown, result: object): boolean {
  return makers.has(fn) || (arrayMakers.has(fn) && Object.getPrototypeOf(result) === Array.prototype);
}

/** What calling `fn` does to memory: 'pure', an effect, or undefined when unknown. */
export function builtinEffect(fn: unknown): Effect | undefined {
  return table.get(fn);
}

/** Adds functions whose effects on the program's state are none (heddle's own API, whose effects are operations). */
export function markPure(...fns: unknown[]): void {
  for (const fn of fns) if (typeof fn === 'function') table.set(fn, 'pure');
}

/** `fn` does what `original` does (a wrapper of it). */
export function sameEffect(fn: unknown, original: unknown): void {
  const effect = table.get(original);
  if (effect !== undefined) table.set(fn, effect);
}
