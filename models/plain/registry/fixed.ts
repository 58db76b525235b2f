import { CircuitBreaker } from './breaker.ts';
import type { BreakerRegistry, BreakerSettings, SettingsLoader } from './types.ts';

/**
 * The fix without a lock: the registry stores the promise of the breaker in the same synchronous
 * step that finds the key missing, before anything awaits, and every caller returns that stored
 * promise — one breaker per key, whatever the interleaving. A creation that fails is removed,
 * so the next caller tries again instead of getting the old error forever.
 */
export class SafeRegistry implements BreakerRegistry {
  private readonly breakers = new Map<string, Promise<CircuitBreaker>>();

  constructor(private readonly loadSettings: SettingsLoader) {}

  async get(provider: string, apiKey: string): Promise<CircuitBreaker> {
    const key = `${provider}:${apiKey}`;
    let breaker = this.breakers.get(key);
    if (breaker === undefined) {
      // The loader is called here, not inside create(): a synchronous throw rejects this get
      // and stores nothing, and create's cleanup always runs after the store below.
      breaker = this.create(key, this.loadSettings(key));
      this.breakers.set(key, breaker);
    }
    return breaker;
  }

  private async create(key: string, settings: Promise<BreakerSettings>): Promise<CircuitBreaker> {
    try {
      return new CircuitBreaker(key, await settings);
    } catch (error) {
      this.breakers.delete(key); // invariant: the entry deleted is this creation's own
      throw error;
    }
  }

  get size(): number {
    return this.breakers.size;
  }
}
