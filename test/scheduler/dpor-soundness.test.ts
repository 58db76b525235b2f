// DPOR may skip schedules only when they are equivalent to explored ones: every outcome an
// exhaustive DFS can reach, DPOR must reach too. Each program returns its outcome from the body.
import { describe, expect, it } from 'vitest';
import { controlled, Event, explore, Mutex, Queue, scenario, Semaphore, Shared, spawn, type Scenario, type Strategy } from 'heddle';
import { Observing } from '../support/observing.ts';
import { DfsStrategy } from '../../scheduler/strategies/dfs.ts';
import { DporStrategy } from '../../scheduler/strategies/dpor.ts';

async function outcomes(s: Scenario, strategy: Strategy): Promise<Set<string>> {
  const seen = new Set<string>();
  const o = new Observing(strategy, (r) => seen.add(r.failure ? `failure:${r.failure.kind}` : JSON.stringify(r.value)));
  await explore(s, { strategyInstance: o, iterations: 200_000, shrink: false });
  return seen;
}

const programs: Scenario[] = [
  scenario('locked-writes', async () => {
    const m = new Mutex('m');
    const x = new Shared(0, 'x');
    const log = new Shared<string[]>([], 'log');
    const w = (v: number) => m.withLock(async () => { await x.set(v); await log.set([...(await log.get()), `w${v}`]); });
    const ts = [spawn(() => w(1)), spawn(() => w(2)), spawn(async () => x.get())];
    const seen = [];
    for (const t of ts) seen.push(await t.join());
    return [await x.get(), (await log.get()).join(''), seen[2]];
  }, { races: false }),
  scenario('queue-handoff', async () => {
    const q = new Queue<number>(1, 'q');
    const got: number[] = [];
    const c1 = spawn(async () => { got.push(await q.get()); });
    const c2 = spawn(async () => { got.push(await q.get() * 10); });
    await q.put(1);
    await q.put(2);
    await c1.join();
    await c2.join();
    return got;
  }, { races: false }),
  scenario('event-and-flag', async () => {
    const ready = new Event('ready');
    const flag = new Shared(0, 'flag');
    const waiter = spawn(async () => { await ready.wait(); return flag.get(); });
    const setter = spawn(async () => { await flag.set(1); ready.set(); await flag.set(2); });
    const v = await waiter.join();
    await setter.join();
    return v;
  }, { races: false }),
  scenario('semaphore-slots', async () => {
    const sem = new Semaphore(1, 's');
    const order = new Shared<number[]>([], 'order');
    const run = (i: number) => sem.withPermit(async () => { await order.set([...(await order.get()), i]); });
    const ts = [spawn(() => run(1)), spawn(() => run(2)), spawn(() => run(3))];
    for (const t of ts) await t.join();
    return order.get();
  }, { races: false }),
  scenario('cas-loop', async () => {
    const c = new Shared(0, 'c');
    const inc = async () => { for (;;) { const v = await c.get(); if (await c.compareAndSet(v, v + 1)) return v; } };
    const ts = [spawn(inc), spawn(inc)];
    const rs = [];
    for (const t of ts) rs.push(await t.join());
    return [rs, await c.get()];
  }, { races: false, maxSteps: 200 }),
  scenario('timeout-vs-response', async () => {
    const client = controlled({ get: async () => 'answer' }, 'client');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<string>((resolve) => { timer = setTimeout(() => resolve('timeout'), 50); });
    const winner = await Promise.race([client.get(), timeout]);
    clearTimeout(timer);
    return winner;
  }, { races: false, environment: { timers: true } }),
];

describe('dpor reaches every outcome that dfs reaches', () => {
  for (const s of programs) {
    it(s.name, async () => {
      const dfs = await outcomes(s, new DfsStrategy({ preemptionBound: 1000 }));
      const dpor = await outcomes(s, new DporStrategy());
      expect([...dpor].sort()).toEqual([...dfs].sort());
      expect(dfs.size).toBeGreaterThan(1);
    });
  }
});
