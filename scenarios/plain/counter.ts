// The metrics counter as a developer writes it (models/plain/counter): `value += n` through an
// injected async store, no heddle primitive. The store answers at once; the only freedom is
// where each call resumes after each of its awaits. These find their bugs once every await is a
// scheduling point.
import assert from 'node:assert/strict';
import { BuggyCounter } from '../../models/plain/counter/buggy.ts';
import { SafeCounter } from '../../models/plain/counter/fixed.ts';
import type { MetricStore, MetricsCounter } from '../../models/plain/counter/types.ts';
import { pair } from '../support/pair.ts';
import { later } from './later.ts';

type Make = (store: MetricStore) => MetricsCounter;
const models = {
  buggy: (): Make => (store) => new BuggyCounter(store),
  fixed: (): Make => (store) => new SafeCounter(store),
};

/** An in-memory store that answers at once (in production: Redis, a database row). */
function memoryStore(): MetricStore & { readonly values: Map<string, number> } {
  const values = new Map<string, number>();
  return {
    values,
    read: async (key) => values.get(key) ?? 0,
    write: async (key, value) => {
      values.set(key, value);
    },
  };
}

/** Two records (amounts 5 and 7): the store ends with count 2 and total 12. */
export const lostUpdate = pair('plain/counter/lost-update', models, async (make: Make) => {
  const store = memoryStore();
  const counter = make(store);
  await Promise.all([counter.record(5), later(() => counter.record(7))]);
  assert.equal(store.values.get('count'), 2, `count is ${store.values.get('count')} after two records: an update was lost`);
  assert.equal(store.values.get('total'), 12, `total is ${store.values.get('total')} after recording 5 and 7`);
}, 'assertion', { description: 'plain code: read, await, write back through an async store — two records overlap and one is lost' });

/** A snapshot during a record of 5: its total is 5 × its count. */
export const inconsistentSnapshot = pair('plain/counter/inconsistent-snapshot', models, async (make: Make) => {
  const counter = make(memoryStore());
  const [, seen] = await Promise.all([counter.record(5), later(() => counter.snapshot())]);
  assert.equal(seen.total, 5 * seen.count, `snapshot saw count ${seen.count} but total ${seen.total}`);
}, 'assertion', { description: 'plain code: count and total written in separate awaited steps — a snapshot sees one without the other' });
