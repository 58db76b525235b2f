import type { BreakerState, CircuitBreaker } from './breaker.ts';

export interface HealthReport {
  /** How many breakers the registry held when the report started. */
  readonly count: number;
  readonly breakers: readonly { readonly key: string; readonly state: BreakerState }[];
}

/** The global provider → apiKey → breaker map of the seed's LLM service. */
export interface BreakerRegistry {
  /** The breaker for this provider and key, created on first use; always the same one after. */
  getBreaker(provider: string, apiKey: string): Promise<CircuitBreaker>;
  healthReport(): Promise<HealthReport>;
}
