import type { BreakerSettings } from './types.ts';

export type BreakerState = 'closed' | 'open' | 'half-open';

export class CircuitOpenError extends Error {
  override readonly name = 'CircuitOpenError';
}

/**
 * A plain circuit breaker (as pybreaker): closed until `failureThreshold` failures in a row, then
 * open (calls fail fast) for `resetAfterMs`, then half-open: the next success closes it, the
 * next failure opens it again. Its state changes in synchronous steps, so it is safe to share
 * between concurrent calls on one thread; the clock is injected for tests.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;

  constructor(readonly key: string, readonly settings: BreakerSettings, private readonly now: () => number = Date.now) {}

  get state(): BreakerState {
    if (this.openedAt === undefined) return 'closed';
    return this.now() - this.openedAt >= this.settings.resetAfterMs ? 'half-open' : 'open';
  }

  recordSuccess(): void {
    this.failures = 0;
    this.openedAt = undefined;
  }

  recordFailure(): void {
    this.failures++;
    if (this.state === 'half-open' || this.failures >= this.settings.failureThreshold) this.openedAt = this.now();
  }

  /** Runs `call` through the breaker: fails fast while open, counts its outcome otherwise. */
  async call<R>(call: () => Promise<R>): Promise<R> {
    if (this.state === 'open') throw new CircuitOpenError(`circuit ${this.key} is open`);
    let result: R;
    try {
      result = await call();
    } catch (error) {
      this.recordFailure();
      throw error;
    }
    this.recordSuccess();
    return result;
  }
}
