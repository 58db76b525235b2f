import assert from 'node:assert/strict';
import { scenario, Shared, spawn } from 'heddle';

// Two tasks increment a shared counter with a read, an await, and a write.
export default scenario('basics/lost-update', async () => {
  const counter = new Shared(0, 'counter');
  const increment = async () => {
    const v = await counter.get();
    await counter.set(v + 1);
  };
  const a = spawn(increment, 'inc-a');
  const b = spawn(increment, 'inc-b');
  await a.join();
  await b.join();
  assert.equal(await counter.get(), 2, 'both increments must land');
}, { expect: 'assertion', description: 'read-then-write increments lose an update' });
