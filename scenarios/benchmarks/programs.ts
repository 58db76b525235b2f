// Benchmark programs from the DPOR literature with known answers (../shared/benchmarks): each
// shared access is one Shared operation; the main task only spawns and joins.
import assert from 'node:assert/strict';
import { Mutex, scenario, Shared, spawn, type Scenario, type TaskHandle } from 'heddle';

/**
 * lastzero(N): a reader scans a[N..0] for the last zero while writers j = 1..N set
 * a[j] := a[j-1] + 1. No assertion: it measures reduction ((N + 3)·2^(N−2) traces for N ≥ 2).
 */
export function lastzero(n: number): Scenario {
  return scenario(`benchmarks/lastzero-${n}`, async () => {
    const a = Array.from({ length: n + 1 }, (_, i) => new Shared(0, `a[${i}]`));
    const tasks = [spawn(async () => {
      let i = n;
      while ((await a[i]!.get()) !== 0) i--;
    }, 'reader')];
    for (let j = 1; j <= n; j++) {
      tasks.push(spawn(async () => {
        await a[j]!.set((await a[j - 1]!.get()) + 1);
      }, `writer${j}`));
    }
    for (const t of tasks) await t.join();
  }, { races: false, description: `lastzero(${n}): DPOR reduction benchmark, ${n < 2 ? 2 : (n + 3) * 2 ** (n - 2)} traces` });
}

/** readers(N): one writer x := 1 and N readers of x; 2^N traces. */
export function readers(n: number): Scenario {
  return scenario(`benchmarks/readers-${n}`, async () => {
    const x = new Shared(0, 'x');
    const tasks: TaskHandle<unknown>[] = [spawn(() => x.set(1), 'writer')];
    for (let i = 1; i <= n; i++) tasks.push(spawn(() => x.get(), `reader${i}`));
    for (const t of tasks) await t.join();
  }, { races: false, description: `readers(${n}): ${2 ** n} traces` });
}

/** Two locks taken in opposite order: a deadlock needing one preemption. */
export function oppositeLocks(name: string, tasks: readonly [string, string] = ['task1', 'task2']): Scenario {
  return scenario(name, async () => {
    const a = new Mutex('A');
    const b = new Mutex('B');
    const lockBoth = (first: Mutex, second: Mutex) => async () => {
      await first.lock();
      await second.lock();
      second.unlock();
      first.unlock();
    };
    const t1 = spawn(lockBoth(a, b), tasks[0]);
    const t2 = spawn(lockBoth(b, a), tasks[1]);
    await t1.join();
    await t2.join();
  }, { expect: 'deadlock', description: 'locks A, B taken in opposite order' });
}

export const deadlock = oppositeLocks('benchmarks/deadlock');

/** K tasks each read and write a counter: an increment is lost with one preemption. */
export function lostUpdate(k: number): Scenario {
  return scenario(`benchmarks/lost-update-${k}`, async () => {
    const c = new Shared(0, 'c');
    const tasks = [];
    for (let i = 1; i <= k; i++) tasks.push(spawn(async () => { await c.set((await c.get()) + 1); }, `inc${i}`));
    for (const t of tasks) await t.join();
    assert.equal(await c.get(), k, 'every increment must land');
  }, { expect: 'assertion', races: false, description: `lost update with ${k} tasks` });
}

export default [lastzero(5), readers(3), deadlock, lostUpdate(2)];
