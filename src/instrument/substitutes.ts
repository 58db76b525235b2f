import assert, { AssertionError } from 'node:assert';
import { ownAsync } from './own.ts';

// Async functions of Node's that instrumented code calls and awaits, written again as heddle's own
// frames: the real ones await natively, so a scenario that awaited one would await a promise
// heddle did not see being made — no proof. These behave as the real ones do.

type Fn = (...args: never[]) => unknown;

/** assert.rejects: awaits the promise (or the promise the function returns), then checks its rejection as assert.throws would. */
function rejects(block: unknown, ...rest: unknown[]): Promise<void> {
  return ownAsync('assert.rejects', rejectsTask, block, rest);
}

function* rejectsTask(block: unknown, rest: unknown[]): Generator<unknown, void, unknown> {
  let error: unknown;
  let threw = false;
  try {
    yield typeof block === 'function' ? (block as () => unknown)() : block;
  } catch (e) {
    threw = true;
    error = e;
  }
  if (!threw) {
    const message = typeof rest[rest.length - 1] === 'string' ? `: ${String(rest[rest.length - 1])}` : '.';
    throw new AssertionError({ message: `Missing expected rejection${message}`, operator: 'rejects' });
  }
  (assert.throws as (fn: () => void, ...r: unknown[]) => void)(() => {
    throw error;
  }, ...rest);
}

/** assert.doesNotReject, likewise. */
function doesNotReject(block: unknown, ...rest: unknown[]): Promise<void> {
  return ownAsync('assert.doesNotReject', doesNotRejectTask, block, rest);
}

function* doesNotRejectTask(block: unknown, rest: unknown[]): Generator<unknown, void, unknown> {
  try {
    yield typeof block === 'function' ? (block as () => unknown)() : block;
  } catch (e) {
    (assert.doesNotThrow as (fn: () => void, ...r: unknown[]) => void)(() => {
      throw e;
    }, ...rest);
  }
}

const substitutes = new Map<unknown, Fn>([
  [assert.rejects, rejects as Fn],
  [assert.strict.rejects, rejects as Fn],
  [assert.doesNotReject, doesNotReject as Fn],
  [assert.strict.doesNotReject, doesNotReject as Fn],
]);

/** heddle's own version of `fn`, to call instead inside an exploration, or undefined. */
export function substituteOf(fn: unknown): Fn | undefined {
  return substitutes.get(fn);
}
