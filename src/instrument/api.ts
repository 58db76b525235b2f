// The contract between the await instrumentation (transform.ts, which rewrites a module's source)
// and the runtime (runtime.ts, which turns what the rewritten code reports into scheduling
// points). The rewritten code reaches the runtime through one global, so that ESM and CommonJS
// modules, worker threads and vitest's module runner all find the same one without resolving
// an import.

/** The global under which the runtime is installed: `globalThis[RUNTIME_KEY].module(...)`. */
export const RUNTIME_KEY: unique symbol = Symbol.for('heddle.instrument') as never;

/**
 * What kind of source construct a site is:
 * - `fn`: an async function (declaration, expression, arrow or method) — its frames;
 * - `await`, `for-await`: an await point;
 * - `then`, `catch`, `finally`: a `.then/.catch/.finally` call (its callback runs later, in a strand of its own);
 * - `promise`: `new Promise(executor)`;
 * - `all`, `allSettled`, `race`, `any`, `resolve`, `reject`: `Promise.<name>(…)`.
 */
export type SiteKind =
  | 'fn' | 'await' | 'for-await' | 'then' | 'catch' | 'finally' | 'promise'
  | 'all' | 'allSettled' | 'race' | 'any' | 'resolve' | 'reject';

/**
 * One site of a module, in the module's original source (after source maps: the `.ts` line,
 * not the compiled one). `line` is 1-based, `column` 0-based. `name` is the async function's name
 * for `fn` sites (`transfer`, `Cache.get`, `anonymous`), the enclosing function's name for the
 * others (for an await, always the async function it is in; for a `.then` in sync code, that
 * sync function's), `(top level)` at a module's top level. `text` is a short excerpt of the
 * construct for traces (`await this.store.get(key)`), at most 40 characters.
 */
export type Site = readonly [kind: SiteKind, name: string, line: number, column: number, text: string];

/** An async function's activation, as the runtime tracks it. Opaque to rewritten code. */
export interface Frame {
  readonly __frame: true;
}

/**
 * The per-module handle rewritten code calls. Every method must behave exactly like the
 * construct it replaces when no exploration is running (the passthrough), and cost little then.
 *
 * Rewriting (see transform.ts for the exact shapes):
 *   async function f(a) { BODY }
 *     → function f(a) { return H.fn(S, async (F) => { try { BODY' } catch (e) { H.threw(F, e); throw e; } finally { H.leave(F); } }); }
 *   async function f({ a }, b = 1) { BODY }     (parameters that can throw: the throw must reject, not throw)
 *     → function f(...A) { return H.fn(S, (F) => (async (F, { a }, b = 1) => { try { BODY' } … })(F, ...A)); }
 *   async (x) => EXPR       → (x) => { return H.fn(S, async (F) => { try { return H.ret(F, EXPR); } … }); }
 *   await x                 → await H.aw(F, x, S)       (F: the enclosing async function's frame; null at top level)
 *   return x (in async fn)  → return H.ret(F, x)
 *   for await (v of it)     → for await (v of H.iter(F, it, S))
 *   async function* g(a) { BODY }   (an async generator: each resumption is a frame, see gs)
 *     → async function* g(a) { const G = H.gs(S); try { BODY' } catch (e) { H.gt(G, e); throw e; } finally { H.gl(G); } }
 *       with, in BODY': await x → await H.aw(H.gf(G), x, S); yield v → H.gr(G, yield H.gy(G, await H.aw(H.gf(G), v, S)));
 *       return v → return H.gv(G, await H.aw(H.gf(G), v, S)); for await (v of it) → for await (v of H.iter(G, it, S))
 *       yield* x; → a for-await over x that yields each value (loops.ts); one whose yield* gives a
 *       value stays as it is: its awaits are not scheduling points
 *   p.then(a, b)            → H.then(p, S, a, b)         (also .catch(b) → H.catch(p, S, b), .finally(c) → H.finally(p, S, c))
 *   new Promise(ex)         → H.promise(S, ex)
 *   Promise.all(xs)         → H.all(S, xs)               (allSettled, race, any, resolve, reject alike)
 */
export interface ModuleHandle {
  fn<T>(site: number, body: (frame: Frame) => Promise<T>): Promise<T>;
  aw(frame: Frame | null, value: unknown, site: number): unknown;
  ret<T>(frame: Frame, value: T): T;
  threw(frame: Frame, error: unknown): void;
  leave(frame: Frame): void;
  iter(frame: Frame | Generation | null, iterable: unknown, site: number): AsyncIterable<unknown>;
  /**
   * An async generator's body starts (at its first next()): the state of this run of it. Each
   * resumption (by next, return or throw) is a frame of its own, entered in the caller's step and
   * ended at the next yield or at the end, as an async function's call would be: whoever awaits
   * the promise next() returned runs it.
   */
  gs(site: number): Generation;
  /** The frame of the resumption running now (entered on demand: a return() or throw() that resumed the body). */
  gf(g: Generation): Frame | null;
  /** `yield` of `value` (awaited already): the resumption ends with { value, done: false }. */
  gy<T>(g: Generation, value: T): T;
  /** The body resumed after a `yield` (with `sent`): a new resumption starts. */
  gr<T>(g: Generation, sent: T): T;
  /** `return value` (awaited already). */
  gv<T>(g: Generation, value: T): T;
  /** The body throws `error`. */
  gt(g: Generation, error: unknown): void;
  /** The body ended (returned or threw): its last resumption ends. */
  gl(g: Generation): void;
  then(receiver: unknown, site: number, onFulfilled?: unknown, onRejected?: unknown): unknown;
  catch(receiver: unknown, site: number, onRejected?: unknown): unknown;
  finally(receiver: unknown, site: number, onFinally?: unknown): unknown;
  promise(site: number, executor: unknown): Promise<unknown>;
  all(site: number, values: unknown): Promise<unknown>;
  allSettled(site: number, values: unknown): Promise<unknown>;
  race(site: number, values: unknown): Promise<unknown>;
  any(site: number, values: unknown): Promise<unknown>;
  resolve(site: number, value?: unknown): Promise<unknown>;
  reject(site: number, reason?: unknown): Promise<unknown>;

  // ---- Memory effects (see "Tracking" below): what a step reads and writes ----

  /** `o.k`, `o[k]` (a read that is not a call's callee): returns `o[k]`. */
  r(o: unknown, k: PropertyKey): unknown;
  /** `o.k = v`, `o[k] = v`: performs the assignment, returns `v`. */
  w(o: unknown, k: PropertyKey, v: unknown): unknown;
  /** `o.k++`, `--o[k]` …: `delta` is 1 or -1; returns what the update expression evaluates to (BigInt-aware). */
  upd(o: unknown, k: PropertyKey, delta: 1 | -1, prefix: boolean): unknown;
  /** `delete o.k`: returns what `delete` returns. */
  del(o: unknown, k: PropertyKey): boolean;
  /** `k in o`: returns it. */
  has(k: unknown, o: unknown): boolean;
  /** `o` is read as a whole (spread, rest, array destructuring, for-in, for-of): returns `o`. */
  rall<T>(o: T): T;
  /**
   * The value a `for…of` whose body awaits iterates: a Map, Set or array is iterated through a
   * wrapper whose every next() reads, in the step it runs in, what it takes (an entry and the set
   * of keys; an array as a whole); anything else is returned as it is.
   */
  live<T>(o: T): T;
  /**
   * The keys a `for (k in o)` whose body suspends visits, for a for-of: each next() takes the next
   * key `o` still has (one deleted before its turn is skipped, as for-in skips it) and reads, in
   * the step it runs in, the set of keys.
   */
  ki(o: unknown): Iterable<string>;
  /**
   * A read of a name imported from `ns`'s module (a live binding): a read of that module's scope
   * when the module assigns the name in its functions (its `__heddleLive` export says so).
   */
  il(ns: object, name: string): void;
  /** At a module's start, for each `import * as ns` of another module of the program: `ns.name` reads what H.il reads. */
  ns(ns: object): void;
  /** `new Date()`: returns it; the real clock was read unless the scenario's environment replaced Date. */
  clk<T>(date: T): T;
  /** `${x}` in a template literal: returns x, which the language then turns into a string (an array: joined, read). */
  ts<T>(x: T): T;
  /** The code string of a direct `eval(code)`: returns it; the step runs code heddle does not see into (unseen effects). */
  ev<T>(code: T): T;
  /** `new Proxy(target, handler)`: returns the proxy, whose accesses are its target's. */
  px(target: object, handler: ProxyHandler<object>): object;
  /** A read / write of private member `#name` of `o` (recorded only: the access itself stays native). */
  pr(o: unknown, name: string): void;
  pw(o: unknown, name: string): void;
  /** `o.k(...args)`, `o[k](...args)`: the call, with `this` = o. */
  mc(o: unknown, k: PropertyKey, ...args: unknown[]): unknown;
  /** `f(...args)` where `f` is not known to be a function of this module: the call, with `this` undefined. */
  fc(f: unknown, ...args: unknown[]): unknown;
  /** A function created by instrumented code (expression, arrow): returns it. */
  f<T>(fn: T): T;
  /** Function declarations of a scope, at its start: marks them. */
  fs(...fns: unknown[]): void;
  /** A class defined by instrumented code: marks its methods, accessors and static methods; returns it. */
  cls<T>(c: T): T;
  /** An object literal with methods or accessors: marks them; returns it (made here, as `o` says). */
  obj<T>(o: T): T;
  /**
   * An object or array literal, or `new` of a builtin collection: the running step made the
   * object now (its locations are then named the same in every execution that shares the steps
   * that made it, see MemoryLog.made); returns it.
   */
  o<T>(o: T): T;
  /**
   * A new scope token, made where a scope that declares captured, reassigned variables is entered;
   * `module` is 1 for a module's own scope.
   */
  scope(module?: 1): object;
  /** A read / write of captured variable number `index` of `scope`. */
  vr(scope: object, index: number): void;
  vw(scope: object, index: number): void;
}

/*
 * Tracking. A step's effects on plain JavaScript state are what DPOR needs to tell steps that
 * commute from steps that do not; the race detector uses them too. The transform reports them:
 * - every member read and write of any object (`this.cache`, `map.size`, `arr[i] = v`, compound
 *   and logical assignments, `++`, `delete`, `in`, optional chains), private members by pr/pw;
 * - whole-object reads where the language reads every property (spread, object rest, array
 *   destructuring, for-in, for-of, spread arguments) by rall;
 * - every call whose callee is not statically a function of this module (a function declaration,
 *   or a const bound to a function expression) or an import from a relative path: member calls by
 *   mc, other calls by fc — the runtime then knows builtins' effects (Map#set writes the map) and
 *   treats a call of a function that instrumented code did not create (f, fs, cls, obj mark them)
 *   as a step with unknown effects;
 * - variables that are captured by a nested function and assigned after their declaration (`let
 *   count = 0; const inc = async () => { count++ }`): a scope token per entry of the declaring
 *   scope, and vr/vw at each read and write (then the native access).
 * Each call evaluates its operands once, in the language's order (temporaries where needed).
 */

/** The export through which a module names the scopes of its live bindings (see live.ts). */
export const LIVE_EXPORTS = '__heddleLive';

/** A run of an async generator's body, as the runtime tracks it (opaque to instrumented code). */
export interface Generation {
  readonly __generation: true;
}

/** What `globalThis[RUNTIME_KEY]` holds. */
export interface Runtime {
  /** Called once per instrumented module as it is evaluated: registers its sites, returns its handle. */
  module(url: string, sites: readonly Site[]): ModuleHandle;
}
