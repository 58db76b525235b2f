import assert from 'node:assert/strict';
import { scenario, sleep, spawn } from 'heddle';
import { BuggyRegistry } from '../../models/breaker-registry/buggy.ts';
import { SafeRegistry } from '../../models/breaker-registry/fixed.ts';
import type { BreakerRegistry } from '../../models/breaker-registry/types.ts';
import { pair } from '../support/pair.ts';

const models = { buggy: (): BreakerRegistry => new BuggyRegistry(2), fixed: (): BreakerRegistry => new SafeRegistry(2) };

/** Two failing calls for one provider key: one breaker, two failures, the circuit opens. */
export const doubleCreate = pair('registry/double-create', models, async (registry) => {
  const failingCall = async () => {
    const breaker = await registry.getBreaker('openai', 'key-1');
    await breaker.recordFailure();
    return breaker;
  };
  const a = spawn(failingCall, 'request-a');
  const b = spawn(failingCall, 'request-b');
  const [ba, bb] = [await a.join(), await b.join()];
  const kept = await registry.getBreaker('openai', 'key-1');
  assert.ok(ba === kept && bb === kept, 'two breakers were created for one key');
  assert.equal(await kept.current(), 'open', 'two failures (threshold 2) must open the circuit');
}, 'assertion', { description: 'get-or-create without a lock: a breaker and its failures are lost' });

/** A health report while a breaker is added: the report is a snapshot of one moment. */
export const iterateWhileInsert = pair('registry/iterate-while-insert', models, async (registry) => {
  await registry.getBreaker('openai', 'key-1');
  const report = spawn(() => registry.healthReport(), 'report');
  const add = spawn(() => registry.getBreaker('anthropic', 'key-2'), 'add');
  await add.join();
  const { count, breakers } = await report.join();
  assert.equal(breakers.length, count, `the report counted ${count} breakers but listed ${breakers.length}`);
}, 'assertion', { description: 'iterating the live map while another task inserts' });

/**
 * The seed's flaky tests: a module-level registry survives from one run to the next, so the
 * verdict depends on what ran before. heddle reruns a schedule and reports the difference.
 */
const globalRegistry: BreakerRegistry = new SafeRegistry(2);
async function oneFailure(registry: BreakerRegistry): Promise<void> {
  const breaker = await registry.getBreaker('openai', 'key-1');
  await breaker.recordFailure();
  assert.notEqual(await breaker.current(), 'open', 'one failure must not open the circuit');
}
export const leakyGlobal = [
  scenario('registry/leaky-global', () => oneFailure(globalRegistry), {
    expect: 'nondeterminism', description: 'a module-level registry leaks state between executions' }),
  scenario('registry/leaky-global.fixed', () => oneFailure(new SafeRegistry(2)), {
    description: 'a registry built inside the scenario: every execution starts fresh' }),
];

/** Virtual time: the circuit opens, fails fast, and half-opens after the reset timeout. */
export const resetTimeout = scenario('registry/reset-timeout', async () => {
  const registry = new SafeRegistry(1, 30_000);
  const breaker = await registry.getBreaker('openai', 'key-1');
  await assert.rejects(breaker.call(async () => { throw new Error('provider down'); }), /provider down/);
  await assert.rejects(breaker.call(async () => 'never called'), /circuit openai:key-1 is open/);
  await sleep(30_000); // 30 s of virtual time: free
  assert.equal(await breaker.current(), 'half-open');
  assert.equal(await breaker.call(async () => 'ok'), 'ok');
  assert.equal(await breaker.current(), 'closed');
}, { description: 'closed → open → half-open → closed in virtual time' });
