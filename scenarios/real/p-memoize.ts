// A real npm package, unmodified: p-memoize. Its 6.0.1/6.0.2 releases check the result cache
// (`await cache.has(key)`) before looking for a call already in flight, so two callers that ask
// for one key before the first load completes both run the loader (sindresorhus/p-memoize#32
// introduced it; #48, released in 7.0.0, caches the pending promise synchronously; issue #43
// reports hundreds of duplicate API calls). heddle controls the loader's response and explores
// when it arrives relative to the second caller; both versions are installed side by side.
import assert from 'node:assert/strict';
import { controlled, scenario, spawn } from 'heddle';
import pMemoize6 from 'p-memoize-6.0.2';
import pMemoize7 from 'p-memoize-7.0.0';

type Memoize = (fn: (key: string) => Promise<string>) => (key: string) => Promise<string>;

function harness(pMemoize: Memoize) {
  return async () => {
    let loads = 0;
    const load = controlled(async (key: string) => `${key}#${++loads}`, 'load'); // e.g. an HTTP call
    const get = pMemoize(load);
    const a = spawn(() => get('user:1'), 'caller-a');
    const b = spawn(() => get('user:1'), 'caller-b');
    const [first, second] = [await a.join(), await b.join()];
    assert.equal(loads, 1, `the loader ran ${loads} times for one key`);
    assert.equal(first, second);
  };
}

export const buggy = scenario('real/p-memoize@6.0.2', harness(pMemoize6 as unknown as Memoize), {
  expect: 'assertion', environment: { timers: true }, instrument: ['p-memoize-6.0.2'],
  description: 'p-memoize 6.0.2: concurrent calls for one key load twice' });
export const fixed = scenario('real/p-memoize@7.0.0', harness(pMemoize7 as unknown as Memoize), {
  environment: { timers: true }, instrument: ['p-memoize-7.0.0'],
  description: 'p-memoize 7.0.0: one load per key, whatever the interleaving' });
