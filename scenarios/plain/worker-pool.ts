// The worker pool as a developer writes it (models/plain/worker-pool): a plain array queue,
// async workers (two, or one for drain) that await the task handler, results in an array, plain
// statistics, no heddle primitive. The handler answers at once; the only freedom is where each worker (and the main
// flow) resumes after each await. These find their bugs once every await is a scheduling point.
import assert from 'node:assert/strict';
import { BuggyPool } from '../../models/plain/worker-pool/buggy.ts';
import { SafePool } from '../../models/plain/worker-pool/fixed.ts';
import type { TaskHandler, WorkerPool } from '../../models/plain/worker-pool/types.ts';
import { pair } from '../support/pair.ts';
import { later } from './later.ts';

type Make = (workers: number, handler: TaskHandler<number, number>) => WorkerPool<number, number>;
const models = {
  buggy: (): Make => (workers, handler) => new BuggyPool(workers, handler),
  fixed: (): Make => (workers, handler) => new SafePool(workers, handler),
};

/** A handler that records which tasks ran; task n returns 10·n, and a negative task fails. */
function recordingHandler() {
  const runs: number[] = [];
  const handler: TaskHandler<number, number> = async (task) => {
    runs.push(task);
    if (task < 0) throw new Error(`task ${task} failed`);
    return 10 * task;
  };
  return { runs, handler };
}

const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);

/** Two tasks, two workers, shut down: each task ran exactly once. */
export const duplicateTask = pair('plain/pool/duplicate-task', models, async (make: Make) => {
  const { runs, handler } = recordingHandler();
  const pool = make(2, handler);
  pool.submit(1);
  pool.submit(2);
  await pool.shutdown();
  assert.deepEqual(sorted(runs), [1, 2], `tasks ran: [${runs}] — each of 1 and 2 must run exactly once`);
}, 'assertion', { description: 'plain code: a worker removes the task it was given after an await — two workers run the same task' });

/** Two tasks, two workers, shut down: both results are collected. */
export const lostResult = pair('plain/pool/lost-result', models, async (make: Make) => {
  const { handler } = recordingHandler();
  const pool = make(2, handler);
  pool.submit(1);
  pool.submit(2);
  await pool.shutdown();
  assert.deepEqual(sorted(pool.results), [10, 20], `results [${pool.results}]: a result was lost`);
}, 'assertion', { description: 'plain code: results = [...results, await handler(task)] — a result appended in between is lost' });

/** A task that succeeds and one that fails, shut down: the statistics add up and nothing is active. */
export const statsInconsistent = pair('plain/pool/stats-inconsistent', models, async (make: Make) => {
  const { handler } = recordingHandler();
  const pool = make(2, handler);
  pool.submit(1);
  pool.submit(-1);
  await pool.shutdown();
  const { submitted, completed, failed, active } = pool.stats();
  assert.equal(active, 0, `${active} workers still counted active after shutdown`);
  assert.equal(completed + failed, submitted, `completed ${completed} + failed ${failed} ≠ submitted ${submitted}`);
  assert.equal(completed, pool.results.length, `completed ${completed} ≠ ${pool.results.length} results`);
}, 'assertion', { description: 'plain code: statistics copied when a task starts and written back when it ends' });

/** One task, one worker; a drain() that starts a moment later returns only once the task has finished. */
export const drainEarly = pair('plain/pool/drain-early', models, async (make: Make) => {
  const { handler } = recordingHandler();
  const pool = make(1, handler);
  pool.submit(1);
  await later(() => pool.drain());
  assert.deepEqual(pool.results, [10], `drain() returned with results [${pool.results}]: the task was still running`);
  await pool.shutdown();
}, 'assertion', { description: 'plain code: drain() waits for an empty queue, not for the running task' });
