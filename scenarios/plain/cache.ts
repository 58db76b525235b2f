// The loading cache as a developer writes it (models/plain/cache): a plain Map and counters in
// front of an injected async loader, no heddle primitive. Each harness makes two gets, the second
// one arriving a moment later; the loader answers at once, so the only freedom is where each
// get resumes after its await. These find their bugs once every await is a scheduling point.
import assert from 'node:assert/strict';
import { BuggyCache } from '../../models/plain/cache/buggy.ts';
import { SafeCache } from '../../models/plain/cache/fixed.ts';
import type { Loader, LoadingCache } from '../../models/plain/cache/types.ts';
import { pair } from '../support/pair.ts';
import { later } from './later.ts';

type Make = (maxSize: number, load: Loader<string, string>) => LoadingCache<string, string>;
const models = {
  buggy: (): Make => (maxSize, load) => new BuggyCache(maxSize, load),
  fixed: (): Make => (maxSize, load) => new SafeCache(maxSize, load),
};

/** A loader that answers at once and counts its calls (in production: an HTTP call). */
function countingLoader() {
  const loader = { calls: 0, load: async (key: string) => `${key}#${++loader.calls}` };
  return loader;
}

/** Two gets of one key: one load, one value. Buggy: the second get arrives during the load. */
export const doubleLoad = pair('plain/cache/double-load', models, async (make: Make) => {
  const loader = countingLoader();
  const cache = make(2, loader.load);
  const [first, second] = await Promise.all([cache.get('a'), later(() => cache.get('a'))]);
  assert.equal(loader.calls, 1, `the loader ran ${loader.calls} times for one key`);
  assert.equal(first, second, `two gets of one key returned ${first} and ${second}`);
}, 'assertion', { description: 'plain code: check "is the key there?", await the load, store it — a second get in between loads again' });

/** Gets of two keys in a cache of one: each returns its value. Buggy: re-reads the map after an eviction. */
export const evictedBeforeRead = pair('plain/cache/evicted-before-read', models, async (make: Make) => {
  const cache = make(1, countingLoader().load);
  const [a, b] = await Promise.all([cache.get('a'), later(() => cache.get('b'))]);
  assert.equal(a, 'a#1', `get('a') returned ${a}: the entry was evicted between its load and its read`);
  assert.equal(b, 'b#2', `get('b') returned ${b}`);
}, 'assertion', { description: 'plain code: load, store, then read the map again — another get evicts the entry in between' });

/** Two misses in a cache of one: never more than one entry. Buggy: room is made before the load. */
export const overCapacity = pair('plain/cache/over-capacity', models, async (make: Make) => {
  const cache = make(1, countingLoader().load);
  await Promise.all([cache.get('a'), later(() => cache.get('b'))]);
  assert.ok(cache.size <= 1, `over capacity: ${cache.size} entries in a cache of 1`);
}, 'assertion', { description: 'plain code: make room, await the load, insert — two misses both see room' });

/** Two misses: hits + misses = 2. Buggy: the miss counter is read before the load and written after. */
export const lostStats = pair('plain/cache/lost-stats', models, async (make: Make) => {
  const cache = make(2, countingLoader().load);
  await Promise.all([cache.get('a'), later(() => cache.get('b'))]);
  const { hits, misses } = cache.stats();
  assert.equal(hits + misses, 2, `hits ${hits} + misses ${misses} ≠ 2 gets`);
}, 'assertion', { description: 'plain code: a counter read before an await and written after it loses increments' });
