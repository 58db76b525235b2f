import { Mutex, now, Shared } from 'heddle';

export type BreakerState = 'closed' | 'open' | 'half-open';

export class CircuitOpenError extends Error {
  override readonly name = 'CircuitOpenError';
}

interface State {
  readonly state: BreakerState;
  readonly failures: number;
  readonly openedAt: number;
}

/**
 * A circuit breaker (as pybreaker): closed until `failureThreshold` failures in a row, then open
 * (calls fail fast) for `resetTimeout` ms, then half-open: one success closes it, one failure
 * opens it again. Time is heddle's `now()`: virtual inside explorations, wall time outside.
 * Thread-safe on its own (one lock around each state change), as pybreaker is.
 */
export class CircuitBreaker {
  private readonly lock: Mutex;
  private readonly cell: Shared<State>;

  constructor(readonly name: string, readonly failureThreshold = 3, readonly resetTimeout = 60_000) {
    this.lock = new Mutex(`breaker ${name}`);
    this.cell = new Shared<State>({ state: 'closed', failures: 0, openedAt: 0 }, `breaker ${name}`);
  }

  private change<R>(fn: (s: State) => [State, R]): Promise<R> {
    return this.lock.withLock(async () => {
      const [next, result] = fn(await this.cell.get());
      await this.cell.set(next);
      return result;
    });
  }

  /** The state now (an open breaker past its reset timeout reads as half-open). */
  current(): Promise<BreakerState> {
    return this.change((s) => {
      const state = s.state === 'open' && now() - s.openedAt >= this.resetTimeout ? 'half-open' : s.state;
      return [{ ...s, state }, state];
    });
  }

  recordFailure(): Promise<void> {
    return this.change((s) => {
      const failures = s.failures + 1;
      const open = s.state === 'half-open' || failures >= this.failureThreshold;
      return [{ state: open ? 'open' : s.state, failures, openedAt: open ? now() : s.openedAt }, undefined];
    });
  }

  recordSuccess(): Promise<void> {
    return this.change(() => [{ state: 'closed', failures: 0, openedAt: 0 }, undefined]);
  }

  /** Runs fn through the breaker: fails fast while open, counts the outcome otherwise. */
  async call<R>(fn: () => Promise<R> | R): Promise<R> {
    if ((await this.current()) === 'open') throw new CircuitOpenError(`circuit ${this.name} is open`);
    let result: R;
    try {
      result = await fn();
    } catch (e) {
      await this.recordFailure();
      throw e;
    }
    await this.recordSuccess();
    return result;
  }
}
