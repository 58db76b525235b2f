import type { Execution } from '../../scheduler/execution.ts';
import type { Frame } from '../../scheduler/frames.ts';
import { SETTLED, TRACKER, type Tagged } from '../../scheduler/promises.ts';
import { siteInfo } from '../../scheduler/sites.ts';
import type { Generation, ModuleHandle } from './api.ts';
import { sameEffect } from './builtins.ts';
import { NO_GENERATION } from './passthrough.ts';

// Async generators (api.ts, "async function*"). The body stays a native async generator; each of
// its resumptions — the run of the body that one next(), return() or throw() starts, up to the
// next yield or the end — is a frame, as a call of an async function is: entered in the step of
// the code that called next(), its awaits scheduling points, and whoever awaits the promise
// next() returned runs it (Strands.awaitIn adopts the frame). The language gives the body no
// hook where a resumption starts, so the generator's next, return and throw are wrapped while
// heddle's runtime is loaded: the frame the body entered during the call is tied to the promise
// the call returned (Strands.exitFrame), as H.fn ties an async function's frame to its promise.

type Method = (this: unknown, ...args: unknown[]) => unknown;

/** The resumption an async generator's body entered during the wrapped call running now, and its run (see wrap). */
let entered: Resumption | null = null;
type Resumption = { readonly run: Run; readonly frame: Frame };
/** How many wrapped calls are running (nested: a body that advances another generator). */
let calling = 0;

/** The runs of instrumented bodies, by generator object (known from its first resumption). */
const runs = new WeakMap<object, Run>();

/** One run of an async generator's body in an execution. */
class Run implements Generation {
  readonly __generation = true as const;
  /** The resumption running now (null between a yield and the next resumption). */
  private frame: Frame | null = null;
  /** What a `return` gave, for the last resumption's { value, done: true }. */
  result: unknown = undefined;
  finished = false;
  /**
   * The body was resumed by the language itself, not by a call: a next() made while a resumption
   * was still running waits in the generator's queue, and the body goes on with it as soon as
   * that resumption yields, in no step of any task. From then on the body runs as the language
   * runs it, its awaits not scheduling points (reported as not controlled).
   */
  native = false;

  constructor(readonly ex: Execution, private readonly name: string, private readonly site: number) {}

  /** A resumption starts (in the step of the code that resumed the body). */
  enter(): void {
    if (this.native) return;
    if (calling === 0) {
      this.native = true;
      this.frame = null;
      this.ex.addUncontrolled(`async generator '${this.name}' was advanced while it was still running (a next() waited in its queue): ` +
        'its body went on outside heddle\'s steps, and its later awaits were not scheduling points');
      return;
    }
    this.frame = this.ex.strands.enterFrame(this.name, this.site);
    entered = { run: this, frame: this.frame };
  }

  /** The resumption running now; one starts if none does (a return() or throw() resumed the body). Null once native. */
  current(): Frame | null {
    if (!this.native && (this.frame === null || this.frame.done)) this.enter();
    return this.frame;
  }

  /** The resumption ends with `result` (a yield's or the end's), unless it threw. */
  end(result: unknown): void {
    const frame = this.frame;
    this.frame = null;
    if (frame === null || frame.done) return;
    if (!frame.threw) frame.result = result;
    this.ex.strands.leave(frame);
  }

  /** Suspended at a yield (between resumptions), in a run heddle follows. */
  atYield(): boolean {
    return !this.native && !this.finished && this.frame === null;
  }

  /**
   * `return(value)` of a generator suspended at a yield: the language first awaits the value (a
   * microtask), then the body goes on at the yield as if it returned there (its finally blocks).
   * That await is the new resumption's first: the generator is handed a promise that heddle
   * settles when it runs the resumption, so the body goes on in the resumption's step.
   */
  returnAt(generator: object, original: Method, value: unknown): unknown {
    this.enter();
    const frame = this.frame!;
    this.result = value;
    const turn = this.ex.strands.awaitIn(frame, value, this.site);
    return original.call(generator, turn);
  }

  threw(error: unknown): void {
    const frame = this.current();
    if (frame !== null) this.ex.strands.threw(frame, error);
  }

  /** The body ended: its last resumption ends (one starts if the body ended without one running). */
  finish(): void {
    this.current();
    this.end({ value: this.result, done: true });
    this.finished = true;
  }
}

function active(ex: Execution | null, g: Generation): g is Run {
  return g instanceof Run && g.ex === ex && !g.ex.finished;
}

/** The handle's members for async generators, for the execution `current()` gives. */
export function generatorHandle(base: number, current: () => Execution | null): Pick<ModuleHandle, 'gs' | 'gf' | 'gy' | 'gr' | 'gv' | 'gt' | 'gl'> {
  return {
    gs(site) {
      const ex = current();
      if (ex === null) return NO_GENERATION;
      const id = base + site;
      const run = new Run(ex, siteInfo(id)?.name ?? 'anonymous', id);
      run.enter();
      return run;
    },
    gf: (g) => (g instanceof Run && !g.ex.finished ? g.current() : null),
    gy(g, value) {
      if (g instanceof Run) g.end({ value, done: false });
      return value;
    },
    gr(g, sent) {
      if (active(current(), g)) g.enter();
      return sent;
    },
    gv(g, value) {
      if (g instanceof Run) g.result = value;
      return value;
    },
    gt(g, error) {
      if (g instanceof Run && !g.ex.finished) g.threw(error);
    },
    gl(g) {
      if (g instanceof Run && !g.ex.finished) g.finish();
    },
  };
}

/** The frame of the resumption `g` is running now, when it is a run of this runtime (else null). */
export function generationFrame(g: unknown): (() => Frame | null) | null {
  return g instanceof Run ? () => g.current() : null;
}

/**
 * Wraps next, return and throw of every async generator (see the top of this file). Outside an
 * execution, and for a generator whose body is not instrumented, they do what they did.
 */
export function wrapAsyncGenerators(current: () => Execution | null): void {
  const proto = Object.getPrototypeOf((async function* probe() {}).prototype) as Record<string, Method>;
  for (const name of ['next', 'return', 'throw']) {
    const original = proto[name]!;
    if ((original as { heddle?: true }).heddle) continue; // another copy of the runtime wrapped them
    const wrapped = {
      [name](this: unknown, ...args: unknown[]): unknown {
        const ex = current();
        if (ex === null) return original.apply(this, args);
        const outer = entered;
        entered = null;
        calling++;
        let promise: unknown;
        try {
          const run = name === 'return' && typeof this === 'object' && this !== null ? runs.get(this) : undefined;
          promise = run?.atYield() ? run.returnAt(this as object, original, args[0]) : original.apply(this, args);
        } finally {
          calling--;
          const resumption = entered as Resumption | null; // set by the body during the call
          entered = outer;
          if (resumption !== null && promise instanceof Promise) tie(ex, this, resumption.run, resumption.frame, promise);
          else if (resumption === null && promise instanceof Promise) settledAlready(this, promise);
        }
        return promise;
      },
    }[name] as Method & { heddle?: true };
    wrapped.heddle = true;
    Object.defineProperty(proto, name, { value: wrapped, writable: true, configurable: true, enumerable: false });
    sameEffect(wrapped, original);
  }
}

/** The body ran a resumption in the call: its frame settles the promise the call returned. */
function tie(ex: Execution, generator: unknown, run: Run, frame: Frame, promise: Promise<unknown>): void {
  ex.strands.exitFrame(frame, promise);
  if (typeof generator === 'object' && generator !== null) runs.set(generator, run);
}

/** A call on an instrumented generator that has finished: its promise is settled already (the language's, at once). */
function settledAlready(generator: unknown, promise: Promise<unknown>): void {
  const run = typeof generator === 'object' && generator !== null ? runs.get(generator) : undefined;
  if (run?.finished) (promise as Tagged)[TRACKER] = SETTLED;
}
