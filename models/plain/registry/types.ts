import type { CircuitBreaker } from './breaker.ts';

export interface BreakerSettings {
  /** Consecutive failures that open the circuit. */
  readonly failureThreshold: number;
  /** How long an open circuit fails fast before it lets one trial call through. */
  readonly resetAfterMs: number;
}

/** Fetches a provider key's breaker settings: in production from a config service or a database. */
export type SettingsLoader = (key: string) => Promise<BreakerSettings>;

/** The LLM service's registry: one circuit breaker per provider and API key. */
export interface BreakerRegistry {
  /** The breaker of this provider and key, created on first use; the same one ever after. */
  get(provider: string, apiKey: string): Promise<CircuitBreaker>;
  /** How many breakers the registry holds (or is creating). */
  readonly size: number;
}
