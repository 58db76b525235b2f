import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import { Event, explore, Mutex, Queue, scenario, Semaphore, Shared, sleep, now, spawn, yieldNow, type Scenario } from 'heddle';

/** Explores a scenario body that must pass under every schedule tried. */
async function passes(body: () => Promise<void>, iterations = 200): Promise<void> {
  const result = await explore(scenario('t', body), { iterations, seed: 7 });
  expect(result.failure?.message).toBeUndefined();
  expect(result.verdict).toBe('pass');
}

async function failsWith(s: Scenario, iterations = 500) {
  const result = await explore(s, { iterations, seed: 3 });
  expect(result.verdict).toBe('fail');
  return result.failure!;
}

describe('primitives inside an exploration', () => {
  it('mutex gives mutual exclusion under every schedule', async () => {
    await passes(async () => {
      const m = new Mutex('m');
      const inside = new Shared(0, 'inside');
      const work = async () => {
        await m.withLock(async () => {
          assert.equal(await inside.update((n) => n + 1), 1);
          await yieldNow();
          await inside.update((n) => n - 1);
        });
      };
      const ts = [spawn(work), spawn(work), spawn(work)];
      for (const t of ts) await t.join();
    });
  });

  it('unlock by a task that does not own the mutex is an uncaught UsageError', async () => {
    const f = await failsWith(scenario('bad-unlock', async () => {
      const m = new Mutex('m');
      await m.lock();
      await spawn(() => m.unlock(), 'thief').join();
    }));
    expect(f.kind).toBe('uncaught');
    expect(f.message).toMatch(/thief.*unlocked mutex 'm', which is held by main/);
  });

  it('semaphore admits at most its permits at once', async () => {
    await passes(async () => {
      const sem = new Semaphore(2, 'sem');
      const inside = Shared.atomic(0, 'inside'); // two holders at once touch it: atomic by design
      const work = () => sem.withPermit(async () => {
        assert.ok((await inside.update((n) => n + 1)) <= 2);
        await yieldNow();
        await inside.update((n) => n - 1);
      });
      const ts = [spawn(work), spawn(work), spawn(work)];
      for (const t of ts) await t.join();
    });
  });

  it('event wait blocks until set and wakes every waiter', async () => {
    await passes(async () => {
      const ev = new Event('ready');
      const data = new Shared(0, 'data');
      const waiter = async () => {
        await ev.wait();
        assert.equal(await data.get(), 42);
      };
      const ws = [spawn(waiter), spawn(waiter)];
      await data.set(42);
      ev.set();
      for (const w of ws) await w.join();
    });
  });

  it('queue get blocks while empty, put blocks while full, join waits for taskDone', async () => {
    await passes(async () => {
      const q = new Queue<number>(1, 'q');
      const got: number[] = [];
      const consumer = spawn(async () => {
        for (let i = 0; i < 3; i++) {
          got.push(await q.get());
          q.taskDone();
        }
      }, 'consumer');
      for (let i = 0; i < 3; i++) await q.put(i);
      await q.join();
      assert.deepEqual(got, [0, 1, 2]);
      await consumer.join();
    });
  });

  it('join returns the task result', async () => {
    await passes(async () => {
      const t = spawn(async () => 41 + 1);
      assert.equal(await t.join(), 42);
    });
  });

  it('virtual time jumps to the earliest wake-up: a 24-hour sleep costs nothing', async () => {
    await passes(async () => {
      const order: string[] = [];
      const a = spawn(async () => { await sleep(24 * 3600_000); order.push('day'); });
      const b = spawn(async () => { await sleep(1000); order.push('second'); });
      await a.join();
      await b.join();
      assert.deepEqual(order, ['second', 'day']);
      assert.equal(now(), 24 * 3600_000);
    }, 50);
  });
});

describe('primitives outside an exploration are ordinary async primitives', () => {
  it('mutex is FIFO and exclusive', async () => {
    const m = new Mutex();
    const order: number[] = [];
    let inside = 0;
    await Promise.all([1, 2, 3].map(async (i) => {
      await m.lock();
      inside++;
      assert.equal(inside, 1);
      await new Promise((r) => setImmediate(r));
      order.push(i);
      inside--;
      m.unlock();
    }));
    expect(order).toEqual([1, 2, 3]);
  });

  it('queue blocks a getter until a put and join waits for taskDone', async () => {
    const q = new Queue<string>();
    const got = q.get();
    await q.put('x');
    expect(await got).toBe('x');
    let joined = false;
    const j = q.join().then(() => (joined = true));
    await new Promise((r) => setImmediate(r));
    expect(joined).toBe(false);
    q.taskDone();
    await j;
    expect(joined).toBe(true);
  });

  it('bounded queue put waits for room', async () => {
    const q = new Queue<number>(1);
    await q.put(1);
    let second = false;
    const p = q.put(2).then(() => (second = true));
    await new Promise((r) => setImmediate(r));
    expect(second).toBe(false);
    expect(await q.get()).toBe(1);
    await p;
    expect(await q.get()).toBe(2);
  });

  it('semaphore, event, shared, spawn behave plainly', async () => {
    const sem = new Semaphore(1);
    await sem.acquire();
    let acquired = false;
    const p = sem.acquire().then(() => (acquired = true));
    await new Promise((r) => setImmediate(r));
    expect(acquired).toBe(false);
    sem.release();
    await p;
    const ev = new Event();
    const w = ev.wait();
    ev.set();
    await w;
    const cell = new Shared(1);
    await cell.update((n) => n + 1);
    expect(await cell.get()).toBe(2);
    expect(await spawn(async () => 'r').join()).toBe('r');
    await expect(spawn(async () => { throw new Error('boom'); }).join()).rejects.toThrow('boom');
  });
});
