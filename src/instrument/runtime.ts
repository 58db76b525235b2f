import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { currentExecution, type Execution } from '../../scheduler/execution.ts';
import type { Frame } from '../../scheduler/frames.ts';
import { registerSites, siteInfo, siteLocation, type SiteInfo } from '../../scheduler/sites.ts';
import { RUNTIME_KEY, type Frame as FrameHandle, type ModuleHandle, type Runtime, type Site } from './api.ts';
import { PASSTHROUGH } from './passthrough.ts';
import { TRACKING } from './tracking.ts';
import { generationFrame, generatorHandle, wrapAsyncGenerators } from './generators.ts';

// What instrumented code calls (see api.ts). Outside an exploration every method behaves as the
// construct it replaced (the passthrough); inside one, async frames, awaits and promises are
// reported to the execution's strands (scheduler/strands.ts), which turn them into tasks and
// scheduling points.

const NO_FRAME = Object.freeze({ __frame: true as const });

type Callback = (...args: unknown[]) => unknown;
type Executor = (resolve: (v: unknown) => void, reject: (e: unknown) => void) => void;

/** The execution instrumented code reports to now, or null (then it runs as plain JavaScript). */
function active(): Execution | null {
  const ex = currentExecution();
  if (ex === null || ex.finished || ex.outside > 0) return null;
  // Code running while no step of the execution does is not the scenario's (a test that started
  // the exploration goes on meanwhile): it runs as plain JavaScript. Code of the scenario that
  // runs between steps (uninstrumented code's own continuations) is reported where it awaits.
  return ex.inTask ? ex : null;
}

/** The frame, if it is one of an execution (not the passthrough's); by shape, since another copy of heddle may have made it. */
function frameOf(frame: FrameHandle | null): Frame | null {
  return frame !== null && (frame as Partial<Frame>).owner !== undefined ? frame as Frame : null;
}

/**
 * Starts a frame made by heddle itself (a `.then` callback's): `run` is an async function that
 * follows the transform's protocol (its awaits go through awaitIn; it calls ret, threw and leave).
 */
function ownFrame<T>(ex: Execution, name: string, site: number, run: (frame: Frame) => Promise<T>): Promise<T> {
  const frame = ex.strands.enterFrame(name, site);
  const promise = run(frame);
  ex.strands.exitFrame(frame, promise);
  return promise;
}

function handle(base: number): ModuleHandle {
  const then = (receiver: unknown, site: number, onFulfilled?: unknown, onRejected?: unknown): unknown => {
    const ex = active();
    if (ex === null || !(receiver instanceof Promise)) return PASSTHROUGH.then(receiver, site, onFulfilled, onRejected);
    const id = base + site;
    const strands = ex.strands;
    const name = (typeof onFulfilled === 'function' && onFulfilled.name) || (typeof onRejected === 'function' && onRejected.name) || 'then';
    // A callback runs in a strand of its own once the promise settles (a microtask in Node):
    // anything may happen between the settlement and the callback.
    return ownFrame(ex, name, id, async (frame) => {
      try {
        let value: unknown;
        try {
          value = await (strands.awaitIn(frame, receiver, id, false) as Promise<unknown>);
        } catch (e) {
          if (typeof onRejected !== 'function') throw e;
          return strands.ret(frame, (onRejected as Callback)(e));
        }
        return strands.ret(frame, typeof onFulfilled === 'function' ? (onFulfilled as Callback)(value) : value);
      } catch (e) {
        strands.threw(frame, e);
        throw e;
      } finally {
        strands.leave(frame);
      }
    });
  };
  return {
    fn(site, body) {
      const ex = active();
      if (ex === null) return body(NO_FRAME);
      const id = base + site;
      const frame = ex.strands.enterFrame(siteInfo(id)?.name ?? 'anonymous', id);
      const promise = body(frame);
      ex.strands.exitFrame(frame, promise);
      return promise;
    },
    aw(frame, value, site) {
      const f = frameOf(frame);
      if (f === null) {
        const ex = active();
        if (ex !== null && frame === null) {
          const where = siteLocation(base + site);
          ex.addUncontrolled(`an await${where ? ` at ${where}` : ''} outside an instrumented async function (an async generator, or module top level) is not a scheduling point`);
        }
        return value;
      }
      return (f.owner as Execution).strands.awaitIn(f, value, base + site);
    },
    ret(frame, value) {
      const f = frameOf(frame);
      if (f !== null) f.result = value;
      return value;
    },
    threw(frame, error) {
      const f = frameOf(frame);
      if (f !== null) {
        f.threw = true;
        f.error = error;
      }
    },
    leave(frame) {
      const f = frameOf(frame);
      if (f !== null) (f.owner as Execution).strands.leave(f);
    },
    iter(frame, iterable, site) {
      const f = frameOf(frame as FrameHandle | null);
      if (f !== null) return iterate(f.owner as Execution, () => f, iterable, base + site);
      // In an async generator: the frame of whichever resumption runs each next().
      const resumption = generationFrame(frame);
      const ex = active();
      if (resumption !== null && ex !== null) return iterate(ex, resumption, iterable, base + site);
      return PASSTHROUGH.iter(frame as FrameHandle | null, iterable, site);
    },
    ...generatorHandle(base, active),
    then,
    catch: (receiver, site, onRejected) => (receiver instanceof Promise && active() !== null
      ? then(receiver, site, undefined, onRejected) : PASSTHROUGH.catch(receiver, site, onRejected)),
    finally(receiver, site, onFinally) {
      const ex = active();
      if (ex === null || !(receiver instanceof Promise)) return PASSTHROUGH.finally(receiver, site, onFinally);
      const id = base + site;
      const strands = ex.strands;
      const name = (typeof onFinally === 'function' && onFinally.name) || 'finally';
      return ownFrame(ex, name, id, async (frame) => {
        try {
          let value: unknown;
          try {
            value = await (strands.awaitIn(frame, receiver, id, false) as Promise<unknown>);
          } catch (e) {
            if (typeof onFinally === 'function') await (strands.awaitIn(frame, (onFinally as Callback)(), id) as Promise<unknown>);
            throw e;
          }
          if (typeof onFinally === 'function') await (strands.awaitIn(frame, (onFinally as Callback)(), id) as Promise<unknown>);
          return value;
        } catch (e) {
          strands.threw(frame, e);
          throw e;
        } finally {
          strands.leave(frame);
        }
      });
    },
    promise(site, executor) {
      const ex = active();
      if (ex === null || typeof executor !== 'function') return PASSTHROUGH.promise(site, executor);
      return ex.strands.promises.makePromise(executor as Executor, base + site);
    },
    all: (site, values) => active()?.strands.promises.combine('all', values, base + site) ?? PASSTHROUGH.all(site, values),
    allSettled: (site, values) => active()?.strands.promises.combine('allSettled', values, base + site) ?? PASSTHROUGH.allSettled(site, values),
    race: (site, values) => active()?.strands.promises.combine('race', values, base + site) ?? PASSTHROUGH.race(site, values),
    any: (site, values) => active()?.strands.promises.combine('any', values, base + site) ?? PASSTHROUGH.any(site, values),
    resolve: (site, value) => active()?.strands.promises.settledPromise(value, false, base + site) ?? PASSTHROUGH.resolve(site, value),
    reject: (site, reason) => active()?.strands.promises.settledPromise(reason, true, base + site) ?? PASSTHROUGH.reject(site, reason),
    ...TRACKING,
  };
}

/** `for await (v of iterable)` in an instrumented frame: every step of the iteration is an await. */
function iterate(ex: Execution, frameAt: () => Frame | null, iterable: unknown, site: number): AsyncIterable<unknown> {
  const strands = ex.strands;
  // Awaits `value` in the frame running now (none: an async generator heddle no longer follows).
  const awaitIn = (value: unknown): Promise<unknown> => {
    const frame = frameAt();
    return frame === null ? Promise.resolve(value) : strands.awaitIn(frame, value, site) as Promise<unknown>;
  };
  const it = iterable as Partial<AsyncIterable<unknown> & Iterable<unknown>> | null | undefined;
  if (it != null && typeof it[Symbol.asyncIterator] === 'function') {
    const source = it[Symbol.asyncIterator]!();
    return {
      [Symbol.asyncIterator]: () => ({
        next: (v?: unknown) => awaitIn(source.next(v)) as Promise<IteratorResult<unknown>>,
        return: (v?: unknown) => (source.return
          ? awaitIn(source.return(v)) as Promise<IteratorResult<unknown>>
          : Promise.resolve({ done: true as const, value: v })),
      }),
    };
  }
  if (it == null || typeof it[Symbol.iterator] !== 'function') return iterable as AsyncIterable<unknown>;
  const source = it[Symbol.iterator]!();
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => {
        const r = source.next();
        if (r.done) return awaitIn(r) as Promise<IteratorResult<unknown>>;
        return awaitIn(r.value).then((value) => ({ done: false as const, value }));
      },
      return: (v?: unknown) => {
        source.return?.(v);
        return Promise.resolve({ done: true as const, value: v });
      },
    }),
  };
}

const modules = new Map<string, readonly Site[]>();

function displayPath(url: string): string {
  try {
    return url.startsWith('file:') ? relative(process.cwd(), fileURLToPath(url)) : url;
  } catch {
    return url;
  }
}

const runtime: Runtime = {
  module(url: string, sites: readonly Site[]): ModuleHandle {
    modules.set(url, sites);
    const file = displayPath(url);
    const infos: SiteInfo[] = sites.map(([kind, name, line, column, text]) => ({ kind, name, file, line, column, text }));
    return handle(registerSites(infos));
  },
};

/** Installs the runtime (once per thread); instrumented modules find it through the global. */
export function installRuntime(): void {
  const global = globalThis as unknown as Record<symbol, Runtime | undefined>;
  if (global[RUNTIME_KEY] !== undefined) return;
  global[RUNTIME_KEY] = runtime;
  wrapAsyncGenerators(active);
}

/**
 * Of the packages named, those none of whose modules was instrumented in this thread (loaded
 * before the loader, loaded where there is none, or not loaded at all).
 */
export function notInstrumented(packages: readonly string[]): string[] {
  const urls = [...modules.keys()];
  return packages.filter((name) => !urls.some((url) => url.includes(`/node_modules/${name}/`)));
}

/** URLs of the instrumented modules evaluated in this thread so far. */
export function instrumentedModules(): ReadonlyMap<string, readonly Site[]> {
  return modules;
}

installRuntime();
