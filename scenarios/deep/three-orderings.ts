import assert from 'node:assert/strict';
import { scenario, Shared, spawn } from 'heddle';

/**
 * A bug of depth 3: it needs `fast` to finish all its work before `middle` checks, and `middle`
 * to finish before `slow` checks — while `fast` has three times the work of `slow`. Uniform
 * random scheduling almost never lets the longest task finish first; PCT's priorities do so
 * with a constant probability per execution.
 */
export function threeOrderings(work: number) {
  return scenario(`deep/three-orderings-${work}`, async () => {
    const fastDone = new Shared(false, 'fast-done');
    const middleDone = new Shared(false, 'middle-done');
    const seen = new Shared(false, 'slow-saw-middle');
    const busy = (name: string, steps: number) => {
      const own = new Shared(0, name);
      return async () => {
        for (let i = 0; i < steps; i++) await own.set(i);
      };
    };
    const fast = spawn(async () => {
      await busy('fast-work', 3 * work)();
      await fastDone.set(true);
    }, 'fast');
    const middle = spawn(async () => {
      await busy('middle-work', 2 * work)();
      if (await fastDone.get()) await middleDone.set(true);
    }, 'middle');
    const slow = spawn(async () => {
      await busy('slow-work', work)();
      if (await middleDone.get()) await seen.set(true);
    }, 'slow');
    for (const t of [fast, middle, slow]) await t.join();
    assert.equal(await seen.get(), false, 'slow saw middle finish after fast: the rare ordering happened');
  }, { expect: 'assertion', races: false, description: 'a depth-3 ordering bug: PCT finds it, random rarely does' });
}

export default threeOrderings(4);
