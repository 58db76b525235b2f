import { Shared } from 'heddle';
import { CircuitBreaker } from './breaker.ts';
import type { BreakerRegistry, HealthReport } from './types.ts';

/**
 * The seed's registry, ported as written: "if key not in map: create and store" across an
 * await, and a health report that iterates the live map while awaiting each breaker. Bugs: two
 * callers each create a breaker for one key, one is lost with its failures, so the circuit never
 * opens; a breaker added during the report shows up in a report that counted fewer (Python
 * raised "dictionary changed size during iteration").
 */
export class BuggyRegistry implements BreakerRegistry {
  private readonly breakers = new Shared<ReadonlyMap<string, CircuitBreaker>>(new Map(), 'registry');

  constructor(private readonly failureThreshold = 3, private readonly resetTimeout = 60_000) {}

  async getBreaker(provider: string, apiKey: string): Promise<CircuitBreaker> {
    const key = `${provider}:${apiKey}`;
    const existing = (await this.breakers.get()).get(key);
    if (existing) return existing;
    const breaker = new CircuitBreaker(key, this.failureThreshold, this.resetTimeout);
    const map = await this.breakers.get(); // another caller may have stored a breaker since the check
    await this.breakers.set(new Map(map).set(key, breaker)); // … and it is overwritten
    return breaker;
  }

  async healthReport(): Promise<HealthReport> {
    const count = (await this.breakers.get()).size;
    const breakers: HealthReport['breakers'][number][] = [];
    // Like iterating a live dict: each step looks at the map as it is now, which may have grown.
    for (let i = 0; ; i++) {
      const entry = [...(await this.breakers.get())][i];
      if (entry === undefined) break;
      breakers.push({ key: entry[0], state: await entry[1].current() });
    }
    return { count, breakers };
  }
}
