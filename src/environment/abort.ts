import { ownAsync } from '../instrument/own.ts';
import { Event } from '../primitives/event.ts';

/** Node's AbortError (what node:timers/promises and events.once reject with when their signal aborts). */
export function abortError(reason: unknown): Error {
  return Object.assign(new Error('The operation was aborted', { cause: reason }), { name: 'AbortError', code: 'ABORT_ERR' });
}

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/**
 * A promise of heddle's that settles with what `arm`'s operation reports, or rejects with an
 * AbortError when `signal` aborts first (at once when it already has, as Node does). The caller
 * waits on a flag the operation or the abort raises: that wait is the scheduling point, so which
 * of the two comes first is explored, and a wait nothing will ever end is a deadlock heddle
 * reports rather than a promise it cannot see. `arm` starts the operation and returns what undoes
 * it when the abort wins (clears a timer, removes a listener).
 */
export function settledOrAborted<T>(label: string, signal: AbortSignal | undefined,
  arm: (settle: (outcome: Outcome<T>) => void) => () => void): Promise<T> {
  if (signal?.aborted) {
    const reason: unknown = signal.reason;
    return ownAsync(label, aborted<T>, reason);
  }
  const flag = new Event(label);
  let outcome: Outcome<T> | null = null;
  let disarm: (() => void) | null = null;
  const onAbort = () => {
    if (outcome !== null) return;
    outcome = { ok: false, error: abortError(signal!.reason) };
    disarm?.();
    flag.set();
  };
  disarm = arm((o) => {
    if (outcome !== null) return;
    outcome = o;
    signal?.removeEventListener('abort', onAbort);
    flag.set();
  });
  signal?.addEventListener('abort', onAbort, { once: true });
  return ownAsync(label, settled<T>, flag, () => outcome!);
}

// Generators declared once (see ownAsync).
function* aborted<T>(reason: unknown): Generator<unknown, T, unknown> {
  throw abortError(reason);
}

function* settled<T>(flag: Event, outcome: () => Outcome<T>): Generator<unknown, T, unknown> {
  yield flag.wait();
  const o = outcome();
  if (o.ok) return o.value;
  throw o.error;
}

/** The `signal` of an options argument, when it is an AbortSignal. */
export function signalOf(options: unknown): AbortSignal | undefined {
  const signal = typeof options === 'object' && options !== null ? (options as { signal?: unknown }).signal : undefined;
  return signal instanceof AbortSignal ? signal : undefined;
}
