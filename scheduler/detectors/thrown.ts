import type { FailureKind } from '../types.ts';

/**
 * An assertion is what a user wrote to check an invariant: node:assert's AssertionError or a
 * plain `Error`. Anything else thrown (TypeError, RangeError, a custom class, a system error
 * with a code such as EEXIST, a non-Error) is an `uncaught` exception: the code crashed rather
 * than a check failing.
 */
export function classifyThrown(error: unknown): FailureKind {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (error.name === 'AssertionError' || code === 'ERR_ASSERTION') return 'assertion';
    // A system error (EEXIST, ENOENT, ECONNRESET …) is a plain Error with a code: a crash.
    if (typeof code === 'string') return 'uncaught';
    if (Object.getPrototypeOf(error) === Error.prototype) return 'assertion';
  }
  return 'uncaught';
}

/** One line: the error's name and the first line of its message. */
export function describeThrown(error: unknown): string {
  if (error instanceof Error) {
    const first = (error.message.split('\n').find((l) => l.trim() !== '') ?? '').trim();
    return `${error.name}: ${first}`;
  }
  try {
    return `non-Error value ${JSON.stringify(error)}`;
  } catch {
    return `non-Error value ${String(error)}`;
  }
}
