import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import { controlled, explore, scenario } from 'heddle';

const realNextTick = process.nextTick;
const realQueueMicrotask = globalThis.queueMicrotask;
const realSetImmediate = globalThis.setImmediate;
const realSetTimeout = globalThis.setTimeout;
const RealDate = Date;

/** Runs `schedule(done)`, which queues `count` callbacks each calling done(name), and returns the order seen. */
function orderOf(count: number, schedule: (done: (name: string) => void) => void): Promise<string> {
  return new Promise<string>((resolve) => {
    const seen: string[] = [];
    schedule((name) => {
      seen.push(name);
      if (seen.length === count) resolve(seen.join(' '));
    });
  });
}

describe('callback scheduling', () => {
  it('dfs explores all 6 orders of a nextTick, a queueMicrotask and a setImmediate callback, with Node\'s arguments', async () => {
    const orders = new Set<string>();
    const s = scenario('scheduling/ticks', async () => {
      orders.add(await orderOf(3, (done) => {
        setImmediate((name: string) => done(name), 'immediate');
        process.nextTick((a: string, b: string) => done(`${a}${b}`), 'tick', '');
        queueMicrotask(() => done('microtask'));
      }));
    }, { environment: { timers: true } });
    const r = await explore(s, { strategy: 'dfs', iterations: 10_000 });
    expect(r.failure?.message).toBeUndefined();
    expect(r.complete).toBe(true);
    expect(orders.size).toBe(6);
  });

  it('delays are Node\'s: setTimeout(fn, 0) is 1 ms, after every tick; it races a setImmediate, a 2 ms timer does not', async () => {
    const tick = new Set<string>();
    const immediate = new Set<string>();
    const later = new Set<string>();
    const together = new Set<string>();
    const s = scenario('scheduling/timer-vs-tick', async () => {
      tick.add(await orderOf(2, (done) => {
        setTimeout(() => done('timeout'), 0);
        process.nextTick(() => done('tick'));
      }));
      immediate.add(await orderOf(2, (done) => {
        setTimeout(() => done('timeout'), 0);
        setImmediate(() => done('immediate'));
      }));
      later.add(await orderOf(2, (done) => {
        setTimeout(() => done('timeout'), 2);
        setImmediate(() => done('immediate'));
      }));
      together.add(await orderOf(2, (done) => {
        setTimeout(() => done('one'), 1);
        setTimeout(() => done('zero'), 0); // both 1 ms: due together (Node fires them in creation order)
      }));
    }, { environment: { timers: true } });
    const r = await explore(s, { strategy: 'dfs', iterations: 10_000 });
    expect(r.failure?.message).toBeUndefined();
    expect(r.complete).toBe(true);
    expect([...tick]).toEqual(['tick timeout']);
    expect([...immediate].sort()).toEqual(['immediate timeout', 'timeout immediate']);
    expect([...later]).toEqual(['immediate timeout']);
    expect([...together].sort()).toEqual(['one zero', 'zero one']);
  });

  it('a throwing nextTick callback fails the execution, and the real functions are back after it', async () => {
    const s = scenario('scheduling/throws', async () => {
      await new Promise<void>((resolve) => {
        process.nextTick(() => {
          throw new Error('tick failed');
        });
        queueMicrotask(resolve);
      });
    }, { environment: { timers: true } });
    const r = await explore(s, { strategy: 'dfs', iterations: 100 });
    expect(r.failure?.message).toMatch(/tick failed/);
    expect(process.nextTick).toBe(realNextTick);
    expect(globalThis.queueMicrotask).toBe(realQueueMicrotask);
    expect(globalThis.setImmediate).toBe(realSetImmediate);
    // Outside an exploration they are Node's: a tick before an immediate, every time.
    const order = await orderOf(2, (done) => {
      setImmediate(() => done('immediate'));
      process.nextTick(() => done('tick'));
    });
    expect(order).toBe('tick immediate');
  });

  it('a non-function callback throws Node\'s own TypeError', async () => {
    const s = scenario('scheduling/errors', () => {
      assert.throws(() => process.nextTick(42 as never), { code: 'ERR_INVALID_ARG_TYPE' });
      assert.throws(() => queueMicrotask(42 as never), { code: 'ERR_INVALID_ARG_TYPE' });
    }, { environment: { timers: true } });
    expect((await explore(s, { iterations: 2 })).failure?.message).toBeUndefined();
  });
});

describe('code outside the scenario', () => {
  it('other macrotasks of the process keep the real APIs while an execution waits', async () => {
    const seen = { calls: 0, virtualNow: 0, ticks: 0, replaced: 0 };
    let running = true;
    // Stands for a test runner's own messages, which run while an execution waits for real work.
    const background = () => {
      seen.calls++;
      if (Date.now() < Date.UTC(2026, 0, 2)) seen.virtualNow++;
      if (process.nextTick !== realNextTick || globalThis.setTimeout !== realSetTimeout || globalThis.Date !== RealDate) seen.replaced++;
      process.nextTick(() => seen.ticks++);
      // What vitest does around its messages: swap in the real function, put back what it read a tick later.
      const read = process.nextTick;
      process.nextTick = realNextTick;
      realNextTick(() => {
        process.nextTick = read;
      });
      if (running) realSetImmediate(background);
    };
    realSetImmediate(background);
    const slow = controlled(() => new Promise<void>((resolve) => realSetTimeout(resolve, 2)), 'slow');
    const s = scenario('scheduling/outside', async () => {
      for (let i = 0; i < 3; i++) {
        await slow();
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }, { environment: true });
    const r = await explore(s, { iterations: 5 });
    running = false;
    await new Promise((resolve) => realSetImmediate(resolve));
    expect(r.failure?.message).toBeUndefined();
    expect(seen.calls).toBeGreaterThan(10);
    expect(seen.virtualNow).toBe(0);
    expect(seen.ticks).toBe(seen.calls);
    expect(seen.replaced).toBe(0); // other code never sees the replacements...
    expect(process.nextTick).toBe(realNextTick); // ...so it cannot leave one behind
  });
});
