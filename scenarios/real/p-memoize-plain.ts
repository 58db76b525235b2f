// p-memoize as a developer uses it: an ordinary async loader, no controlled(), no heddle primitive.
// Its 6.0.2 release awaits `cache.has(key)` before looking for a call already in flight, so two
// callers of one key both run the loader (sindresorhus/p-memoize#43); 7.0.0 caches the pending
// promise synchronously. The package is instrumented by name (`instrument`), so its own awaits
// are scheduling points too, and the loader's completion can come at any point.
import assert from 'node:assert/strict';
import { scenario } from 'heddle';
import pMemoize6 from 'p-memoize-6.0.2';
import pMemoize7 from 'p-memoize-7.0.0';

type Memoize = (fn: (key: string) => Promise<string>) => (key: string) => Promise<string>;

function harness(pMemoize: Memoize) {
  return async () => {
    let loads = 0;
    const get = pMemoize(async (key: string) => {
      loads++;
      await null; // an HTTP call
      return `${key}#${loads}`;
    });
    const [first, second] = await Promise.all([get('user:1'), get('user:1')]);
    assert.equal(loads, 1, `the loader ran ${loads} times for one key`);
    assert.equal(first, second);
  };
}

export const buggy = scenario('real/p-memoize-plain@6.0.2', harness(pMemoize6 as unknown as Memoize), {
  expect: 'assertion', instrument: ['p-memoize-6.0.2'],
  description: 'p-memoize 6.0.2 with a plain async loader: two callers of one key both load',
});
export const fixed = scenario('real/p-memoize-plain@7.0.0', harness(pMemoize7 as unknown as Memoize), {
  instrument: ['p-memoize-7.0.0'],
  description: 'p-memoize 7.0.0 with a plain async loader: one load per key, whatever the interleaving',
});
