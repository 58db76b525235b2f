// The circuit-breaker registry as a developer writes it (models/plain/registry): a plain Map
// and get-or-create around an awaited settings lookup, no heddle primitive. The settings
// service answers at once; the only freedom is where each caller resumes after its await.
// These find their bugs once every await is a scheduling point.
import assert from 'node:assert/strict';
import type { CircuitBreaker } from '../../models/plain/registry/breaker.ts';
import { BuggyRegistry } from '../../models/plain/registry/buggy.ts';
import { SafeRegistry } from '../../models/plain/registry/fixed.ts';
import type { BreakerRegistry, SettingsLoader } from '../../models/plain/registry/types.ts';
import { pair } from '../support/pair.ts';
import { later } from './later.ts';

type Make = (loadSettings: SettingsLoader) => BreakerRegistry;
const models = {
  buggy: (): Make => (load) => new BuggyRegistry(load),
  fixed: (): Make => (load) => new SafeRegistry(load),
};

/**
 * Two requests to one provider key, each seeing the provider fail once: they share one breaker,
 * and with a threshold of 2 the circuit the registry keeps is open.
 */
export const doubleCreate = pair('plain/registry/double-create', models, async (make: Make) => {
  const registry = make(async () => ({ failureThreshold: 2, resetAfterMs: 60_000 }));
  const failingRequest = async (): Promise<CircuitBreaker> => {
    const breaker = await registry.get('openai', 'key-1');
    breaker.recordFailure(); // the provider answered 503
    return breaker;
  };
  const [a, b] = await Promise.all([failingRequest(), later(failingRequest)]);
  const kept = await registry.get('openai', 'key-1');
  assert.ok(a === kept && b === kept, 'two breakers were created for one key: one of them, and its failure, is lost');
  assert.equal(kept.state, 'open', 'two failures with a threshold of 2 must open the circuit');
}, 'assertion', {
  description: 'plain code: if (!map.has(k)) { await settings; map.set(k, new breaker) } — two callers create two breakers',
  // A breaker reads Date.now() (when it opened): virtual time, the same in every execution.
  environment: { clock: true },
});
