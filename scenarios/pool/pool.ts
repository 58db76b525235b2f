import assert from 'node:assert/strict';
import { scenario, spawn, yieldNow } from 'heddle';
import { BuggyPool } from '../../models/worker-pool/buggy.ts';
import { TwoLockPool } from '../../models/worker-pool/deadlock.ts';
import { SafePool } from '../../models/worker-pool/fixed.ts';
import { PoolShutDownError, type Handler, type WorkerPool } from '../../models/worker-pool/types.ts';
import { pair } from '../support/pair.ts';

/** A pool of two workers whose handler logs every run and fails on task 2 when asked to. */
function loggingPool(make: (handler: Handler<number, number>) => WorkerPool<number, number>, failTwo = false) {
  return () => { // called inside the execution: the log and the pool are per execution
    const runs: number[] = [];
    const pool = make(async (task) => {
      runs.push(task);
      await yieldNow(); // the work itself
      if (failTwo && task === 2) throw new Error('task 2 fails');
      return task * 10;
    });
    return { pool, runs };
  };
}

const models = (failTwo: boolean) => ({
  buggy: loggingPool((handler) => new BuggyPool(2, handler), failTwo),
  fixed: loggingPool((handler) => new SafePool(2, handler), failTwo),
});

function poolPair(name: string, description: string, failTwo: boolean,
  check: (pool: WorkerPool<number, number>, runs: readonly number[]) => Promise<void>) {
  return pair(name, models(failTwo), async ({ pool, runs }) => {
    await pool.submit(1);
    await pool.submit(2);
    await check(pool, runs);
  }, 'assertion', { description, maxSteps: 2000 });
}

export const duplicateTask = poolPair('pool/duplicate-task', 'check "queue not empty" then pop: a task runs twice or never', false,
  async (pool, runs) => {
    await pool.shutdown();
    assert.deepEqual([...runs].sort(), [1, 2], `tasks ran ${JSON.stringify(runs)}: each must run exactly once`);
  });

export const lostResult = poolPair('pool/lost-result', 'results appended by read-then-write: one is lost', false,
  async (pool) => {
    await pool.shutdown();
    assert.deepEqual([...(await pool.results())].sort(), [10, 20], 'every result must be collected once');
  });

export const statsInconsistent = poolPair('pool/stats-inconsistent', 'completed/failed counted apart from the results', true,
  async (pool) => {
    await pool.shutdown();
    const stats = await pool.stats();
    const results = await pool.results();
    assert.equal(stats.completed, results.length, `completed ${stats.completed} but ${results.length} results`);
    assert.equal(stats.completed + stats.failed, stats.submitted, 'completed + failed must equal submitted');
  });

export const activeCount = poolPair('pool/active-count', 'join() returns while a worker still runs a task', false,
  async (pool) => {
    await pool.join();
    const stats = await pool.stats();
    assert.equal(stats.active, 0, `join() returned with ${stats.active} task(s) still running`);
    assert.equal(stats.completed, 2, `join() returned after ${stats.completed} of 2 tasks`);
    await pool.shutdown();
  });

/**
 * A request submits a task while the service shuts its pool down: the task is either refused
 * or run — never accepted and then dropped — and join() afterwards returns instead of waiting
 * for a task no worker will take.
 */
export const submitDuringShutdown = pair('pool/submit-during-shutdown', models(false), async ({ pool, runs }) => {
  const request = spawn(async () => {
    try {
      await pool.submit(1);
      return true;
    } catch (e) {
      if (e instanceof PoolShutDownError) return false; // refused: that is allowed
      throw e;
    }
  }, 'submit-request');
  const stopper = spawn(() => pool.shutdown(), 'shutdown');
  const accepted = await request.join();
  await stopper.join();
  assert.deepEqual(runs, accepted ? [1] : [], `submit ${accepted ? 'accepted' : 'refused'} the task, and it ran ${runs.length} time(s)`);
  await pool.join();
}, 'assertion', { description: 'a task submitted during shutdown lands behind the stop: accepted, never run', maxSteps: 2000 });

/** Results and statistics behind two locks taken in opposite orders: a deadlock report. */
function twoLocks(ordered: boolean) {
  return async () => {
    const pool = new TwoLockPool([1, 2], async (t: number) => t * 10, ordered);
    const monitor = spawn(() => pool.stats(), 'monitor');
    await pool.join();
    const s = await monitor.join();
    assert.ok(s.completed === s.results, 'stats read under both locks must agree');
  };
}

export const deadlock = [
  scenario('pool/deadlock', twoLocks(false), { expect: 'deadlock', description: 'two locks in opposite order on the stats path' }),
  scenario('pool/deadlock.fixed', twoLocks(true), { description: 'the same locks, always in one order' }),
];
