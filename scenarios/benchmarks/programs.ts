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

/**
 * filesystem(N) (Flanagan and Godefroid, POPL 2005): N threads each take the lock of inode
 * `tid % 32` and, if the inode is free, claim the first free block from `(2·inode) % 26` on, each
 * block under its own lock. Threads collide only from N = 14: 2^(N − 13) traces for N ≥ 13.
 */
export function filesystem(n: number): Scenario {
  const INODES = 32;
  const BLOCKS = 26;
  return scenario(`benchmarks/filesystem-${n}`, async () => {
    const lockI = Array.from({ length: INODES }, (_, i) => new Mutex(`locki[${i}]`));
    const inode = Array.from({ length: INODES }, (_, i) => new Shared(0, `inode[${i}]`));
    const lockB = Array.from({ length: BLOCKS }, (_, b) => new Mutex(`lockb[${b}]`));
    const busy = Array.from({ length: BLOCKS }, (_, b) => new Shared(false, `busy[${b}]`));
    const tasks: TaskHandle<unknown>[] = [];
    for (let tid = 0; tid < n; tid++) {
      tasks.push(spawn(async () => {
        const i = tid % INODES;
        await lockI[i]!.lock();
        if ((await inode[i]!.get()) === 0) {
          let b = (i * 2) % BLOCKS;
          for (;;) {
            await lockB[b]!.lock();
            if (!(await busy[b]!.get())) {
              await busy[b]!.set(true);
              await inode[i]!.set(b + 1);
              lockB[b]!.unlock();
              break;
            }
            lockB[b]!.unlock();
            b = (b + 1) % BLOCKS;
          }
        }
        lockI[i]!.unlock();
      }, `thread${tid}`));
    }
    for (const t of tasks) await t.join();
  }, { races: false, description: `filesystem(${n}): DPOR reduction benchmark, ${2 ** Math.max(0, n - 13)} traces` });
}

/**
 * indexer(N) (Flanagan and Godefroid, POPL 2005): N threads each insert 4 messages into a hash
 * table of 128 cells by compare-and-set, probing linearly on a collision. Threads collide only
 * from N = 12: 8, 64, 512 traces for N = 12, 13, 14.
 */
export function indexer(n: number): Scenario {
  const SIZE = 128;
  const MAX = 4;
  return scenario(`benchmarks/indexer-${n}`, async () => {
    const table = Array.from({ length: SIZE }, (_, h) => new Shared(0, `table[${h}]`));
    const tasks: TaskHandle<unknown>[] = [];
    for (let tid = 0; tid < n; tid++) {
      tasks.push(spawn(async () => {
        for (let m = 1; m <= MAX; m++) {
          const w = m * 11 + tid;
          let h = (w * 7) % SIZE;
          while (!(await table[h]!.compareAndSet(0, w))) h = (h + 1) % SIZE;
        }
      }, `thread${tid}`));
    }
    for (const t of tasks) await t.join();
  }, { races: false, description: `indexer(${n}): DPOR reduction benchmark` });
}

/**
 * reorder(S, C) (SCTBench's reorder_X_bad): S setters write a := 1 then b := −1; C checkers read
 * a then b and assert that they saw both writes of a setter or neither. A checker must run
 * between a setter's two writes, before any other setter's second write: a shallow bug (one
 * preemption) that a search enumerating deep reorderings first meets very late.
 */
export function reorder(setters: number, checkers: number): Scenario {
  return scenario(`benchmarks/reorder-${setters}-${checkers}`, async () => {
    const a = new Shared(0, 'a');
    const b = new Shared(0, 'b');
    const tasks: TaskHandle<unknown>[] = [];
    for (let i = 1; i <= setters; i++) tasks.push(spawn(async () => { await a.set(1); await b.set(-1); }, `setter${i}`));
    for (let i = 1; i <= checkers; i++) {
      tasks.push(spawn(async () => {
        const x = await a.get();
        const y = await b.get();
        assert.ok((x === 0 && y === 0) || (x === 1 && y === -1), `checker saw a = ${x}, b = ${y}`);
      }, `checker${i}`));
    }
    for (const t of tasks) await t.join();
  }, { expect: 'assertion', races: false, description: `reorder(${setters}, ${checkers}): a checker between a setter's two writes` });
}

export default [lastzero(5), readers(3), deadlock, lostUpdate(2), filesystem(14), indexer(12), reorder(2, 1)];
