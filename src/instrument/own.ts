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
 */
export function ownAsync<T>(name: string, body: () => Generator<unknown, T, unknown>): Promise<T> {
  const ex = currentExecution();
  // Called from code heddle sees only at its primitives (no loader): a plain async function, as
  // that code expects — it parks at each primitive operation inside.
  if (ex === null || ex.finished || ex.outside > 0 || !ex.strands.instrumentedNow()) return plain(body);
  const strands = ex.strands;
  const site = siteOf(name);
  const frame = strands.enterFrame(name, site);
  const promise = (async () => {
    try {
      const gen = body();
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

async function plain<T>(body: () => Generator<unknown, T, unknown>): Promise<T> {
  const gen = body();
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
