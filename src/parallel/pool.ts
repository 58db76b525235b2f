import { Worker } from 'node:worker_threads';
import type { ExploreResult } from '../explore.ts';
import { explore } from '../explore.ts';
import type { Scenario } from '../scenario.ts';
import { lowerBound, mergeResults, NO_BOUND, type WorkerReply, type WorkerTask } from './protocol.ts';

/**
 * Explores one scenario on `count` worker threads, each a deterministic slice of the same
 * search (execution i goes to worker i mod count), and merges the results. The failure reported
 * is the one at the lowest execution index — the one a single thread finds — whatever the count.
 */
export async function exploreInWorkers(task: Omit<WorkerTask, 'index' | 'bound'>, local?: Scenario): Promise<ExploreResult> {
  const bound = new SharedArrayBuffer(4);
  const shared = new Int32Array(bound);
  shared[0] = NO_BOUND;
  const boot = new URL('./worker-boot.mjs', import.meta.url);
  // With the scenario at hand, this thread explores slice 0 itself: one worker fewer to start.
  const here = local === undefined ? null : explore(local, {
    ...task.options, shard: { index: 0, count: task.count }, stopAfter: () => Atomics.load(shared, 0),
  }).then((result): WorkerReply => {
    if (result.failure && result.failure.kind !== 'data-race' && result.failureIndex !== undefined) lowerBound(shared, result.failureIndex);
    return { ok: true, result };
  });
  const first = here === null ? 0 : 1;
  const replies = await Promise.all([...(here ? [here] : []), ...Array.from({ length: task.count - first }, (_, i) => new Promise<WorkerReply>((resolve) => {
    const index = i + first;
    const worker = new Worker(boot, { workerData: { ...task, index, bound } satisfies WorkerTask });
    worker.once('message', (reply: WorkerReply) => {
      resolve(reply);
      void worker.terminate();
    });
    worker.once('error', (e) => resolve({ ok: false, error: `worker ${index} crashed: ${e.message}` }));
    worker.once('exit', (code) => resolve({ ok: false, error: `worker ${index} exited with code ${code}` }));
  }))]);
  const failed = replies.find((r): r is Extract<WorkerReply, { ok: false }> => !r.ok);
  if (failed) throw new Error(failed.error);
  return mergeResults(replies.map((r) => (r as Extract<WorkerReply, { ok: true }>).result));
}
