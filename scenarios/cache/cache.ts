import assert from 'node:assert/strict';
import { spawn } from 'heddle';
import { BuggyCache } from '../../models/cache/buggy.ts';
import { SafeCache } from '../../models/cache/fixed.ts';
import type { Cache } from '../../models/cache/types.ts';
import { pair } from '../support/pair.ts';

const models = (maxSize: number) => ({ buggy: () => new BuggyCache<string, number>(maxSize), fixed: () => new SafeCache<string, number>(maxSize) });

/** A get racing an eviction: it must return the value or count a miss — never undefined as a hit. */
export const getCheckThenAct = pair('cache/get-check-then-act', models(1), async (cache: Cache<string, number>) => {
  await cache.set('a', 1);
  const reader = spawn(() => cache.get('a'), 'reader');
  const writer = spawn(() => cache.set('b', 2), 'writer'); // evicts 'a'
  const value = await reader.join();
  await writer.join();
  const stats = await cache.stats();
  if (value === undefined) assert.equal(stats.hits, 0, 'get returned undefined but counted a hit');
  else assert.equal(value, 1);
}, 'assertion', { description: 'check "is the key there?" then read it, with an eviction in between' });

/** Two writers into a cache of one: never over capacity, and each eviction removes an entry. */
export const overCapacity = pair('cache/over-capacity', models(1), async (cache: Cache<string, number>) => {
  const a = spawn(() => cache.set('a', 1), 'writer-a');
  const b = spawn(() => cache.set('b', 2), 'writer-b');
  await a.join();
  await b.join();
  const size = await cache.size();
  assert.ok(size <= 1, `over capacity: ${size} entries in a cache of 1`);
  assert.equal((await cache.stats()).evictions, 2 - size, 'evictions do not match the entries removed');
}, 'assertion', { description: 'insert and evict are separate steps: double eviction, over capacity' });

/** Concurrent lookups: hits + misses must equal the number of gets. */
export const lostStats = pair('cache/lost-stats', models(2), async (cache: Cache<string, number>) => {
  await cache.set('a', 1);
  const readers = [spawn(() => cache.get('a'), 'reader-1'), spawn(() => cache.get('a'), 'reader-2')];
  for (const r of readers) await r.join();
  const { hits, misses } = await cache.stats();
  assert.equal(hits + misses, 2, `hits ${hits} + misses ${misses} ≠ 2 gets`);
}, 'assertion', { description: 'hit/miss counters are read-modify-written: increments are lost' });

/** size() read while another task is evicting: never more than the limit. */
export const sizeMidEviction = pair('cache/size-mid-eviction', models(1), async (cache: Cache<string, number>) => {
  await cache.set('a', 1);
  const writer = spawn(() => cache.set('b', 2), 'writer');
  const monitor = spawn(() => cache.size(), 'monitor');
  await writer.join();
  const seen = await monitor.join();
  assert.ok(seen <= 1, `size() saw ${seen} entries in a cache of 1, mid-eviction`);
}, 'assertion', { description: 'a reader sees the cache between insert and eviction' });
