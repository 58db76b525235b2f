import { currentExecution } from '../../scheduler/execution.ts';
import { registerSites } from '../../scheduler/sites.ts';

// heddle's own async helpers (Mutex.withLock, a controlled call's call-then-response, a timer's
// loop …) run inside the tasks they serve, so their awaits must be scheduling points exactly as
// the user's are. They are written as generators — each `yield x` is an `await x` — and run here
// as instrumented frames, without going through the loader (heddle's own modules are loaded
// before it, and also run where there is no loader at all).

const sites = new Map<string, number>();

/** The site of one of heddle's own helpers: no file of the user's, only a name for strand names. */
function siteOf(name: string): number {
  let id = sites.get(name);
  if (id === undefined) {
    id = registerSites([{ kind: 'fn', name, file: '', line: 0, column: 0, text: name }]);
    sites.set(name, id);
  }
  return id;
}

/**
 * Runs `body` as an async function whose every `yield` is an await: a scheduling point inside an
 * exploration (the value is awaited there, as instrumented code's awaits are), a plain await
 * outside one. `yield` evaluates to the awaited value, or throws what it rejected with.
 *
 * `body` is called with `args`: declare it once, at module level, not as a `function*` expression
 * at each call. A generator function made anew gets a prototype and hidden class of its own,
 * which V8 keeps in old space, and from there they hold what the run made alive past the next
 * minor GC: measured on the seed models, half of what an execution allocates survived one (against
 * 2% with the generators declared once), and the collector kept a second core busy.
 */
export function ownAsync<T, A extends unknown[] = []>(name: string, body: (...args: A) => Generator<unknown, T, unknown>, ...args: A): Promise<T> {
  const ex = currentExecution();
  // Called from code heddle sees only at its primitives (no loader): a plain async function, as
  // that code expects — it parks at each primitive operation inside.
  if (ex === null || ex.finished || ex.outside > 0 || !ex.strands.instrumentedNow()) return plain(body, args);
  const strands = ex.strands;
  const site = siteOf(name);
  const frame = strands.enterFrame(name, site);
  const promise = (async () => {
    try {
      const gen = body(...args);
      let step = gen.next();
      while (!step.done) {
        let value: unknown;
        let failed = false;
        try {
          value = await (strands.awaitIn(frame, step.value, site) as Promise<unknown>);
        } catch (e) {
          value = e;
          failed = true;
        }
        step = failed ? gen.throw(value) : gen.next(value);
      }
      return strands.ret(frame, step.value);
    } catch (e) {
      strands.threw(frame, e);
      throw e;
    } finally {
      strands.leave(frame);
    }
  })();
  strands.exitFrame(frame, promise);
  return promise;
}

async function plain<T, A extends unknown[]>(body: (...args: A) => Generator<unknown, T, unknown>, args: A): Promise<T> {
  const gen = body(...args);
  let step = gen.next();
  while (!step.done) {
    let value: unknown;
    let failed = false;
    try {
      value = await step.value;
    } catch (e) {
      value = e;
      failed = true;
    }
    step = failed ? gen.throw(value) : gen.next(value);
  }
  return step.value;
}
