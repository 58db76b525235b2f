import { CircuitBreaker } from './breaker.ts';
import type { BreakerRegistry, SettingsLoader } from './types.ts';

/**
 * The seed's registry as written: "if the key is not in the map, create a breaker and store it",
 * with the creation awaiting the key's settings. Bug (needs a second caller for the same key to
 * check the map while the first awaits its settings): both callers create a breaker, the second
 * store overwrites the first, and the first caller's failures are counted on a breaker nobody
 * keeps — with two callers each seeing one failure, the circuit never opens.
 */
export class BuggyRegistry implements BreakerRegistry {
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(private readonly loadSettings: SettingsLoader) {}

  async get(provider: string, apiKey: string): Promise<CircuitBreaker> {
    const key = `${provider}:${apiKey}`;
    if (!this.breakers.has(key)) {
      const breaker = new CircuitBreaker(key, await this.loadSettings(key));
      this.breakers.set(key, breaker); // another caller may have stored its breaker meanwhile
    }
    return this.breakers.get(key) as CircuitBreaker;
  }

  get size(): number {
    return this.breakers.size;
  }
}
