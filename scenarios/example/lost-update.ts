// The README's primitives example: a counter in a heddle Shared cell, incremented by two tasks.
import assert from 'node:assert/strict';
import { scenario, Shared, spawn } from 'heddle';

export default scenario('example/lost-update', async () => {
  const counter = new Shared(0, 'counter'); // build all state inside the body
  const increment = async () => {
    const v = await counter.get(); // a scheduling point
    await counter.set(v + 1); // another one: the race window is between
  };
  const a = spawn(increment, 'inc-a');
  const b = spawn(increment, 'inc-b');
  await a.join();
  await b.join();
  assert.equal(await counter.get(), 2, 'both increments must land');
}, { expect: 'assertion', description: 'a demo of a known bug: read, await, write' });
