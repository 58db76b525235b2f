import { Mutex, Shared } from 'heddle';
import { CircuitBreaker } from './breaker.ts';
import type { BreakerRegistry, HealthReport } from './types.ts';

/**
 * The seed's fix: one lock around get-or-create, returning the stored breaker. The health
 * report copies the entries under the lock, then asks each breaker outside it (no lock is held
 * across another object's lock).
 */
export class SafeRegistry implements BreakerRegistry {
  private readonly lock = new Mutex('registry');
  private readonly breakers = new Shared<ReadonlyMap<string, CircuitBreaker>>(new Map(), 'registry');

  constructor(private readonly failureThreshold = 3, private readonly resetTimeout = 60_000) {}

  getBreaker(provider: string, apiKey: string): Promise<CircuitBreaker> {
    const key = `${provider}:${apiKey}`;
    return this.lock.withLock(async () => {
      const map = await this.breakers.get();
      const existing = map.get(key);
      if (existing) return existing;
      const breaker = new CircuitBreaker(key, this.failureThreshold, this.resetTimeout);
      await this.breakers.set(new Map(map).set(key, breaker));
      return breaker;
    });
  }

  async healthReport(): Promise<HealthReport> {
    const entries = await this.lock.withLock(async () => [...(await this.breakers.get())]);
    const breakers: HealthReport['breakers'][number][] = [];
    for (const [key, breaker] of entries) breakers.push({ key, state: await breaker.current() });
    return { count: entries.length, breakers };
  }
}
