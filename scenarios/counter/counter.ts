import assert from 'node:assert/strict';
import { spawn } from 'heddle';
import { BuggyCounter } from '../../models/counter/buggy.ts';
import { SafeCounter } from '../../models/counter/fixed.ts';
import type { MetricsCounter } from '../../models/counter/types.ts';
import { pair } from '../support/pair.ts';

const models = { buggy: () => new BuggyCounter(), fixed: () => new SafeCounter() };

/** Two increments of one counter: both must land, in the counter and in the total. */
export const lostUpdate = pair('counter/lost-update', models, async (counter: MetricsCounter) => {
  const a = spawn(() => counter.increment('requests'), 'inc-a');
  const b = spawn(() => counter.increment('requests'), 'inc-b');
  await a.join();
  await b.join();
  assert.equal(await counter.get('requests'), 2, 'an increment was lost');
  assert.equal((await counter.snapshot()).total, 2, 'an increment of the total was lost');
}, 'assertion', { description: 'value += n across an await loses updates' });

/** A snapshot taken during an increment: its total must be the sum of its counts. */
export const inconsistentSnapshot = pair('counter/inconsistent-snapshot', models, async (counter: MetricsCounter) => {
  const writer = spawn(() => counter.increment('errors'), 'writer');
  const reader = spawn(() => counter.snapshot(), 'reader');
  await writer.join();
  const { counts, total } = await reader.join();
  const sum = Object.values(counts).reduce((a, b) => a + b, 0);
  assert.equal(total, sum, `snapshot total ${total} ≠ sum of counts ${sum}`);
}, 'assertion', { description: 'a counter and the total change in separate steps' });
