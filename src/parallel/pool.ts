import { Worker } from 'node:worker_threads';
import type { ExploreResult } from '../explore.ts';
import { mergeResults, NO_BOUND, type WorkerReply, type WorkerTask } from './protocol.ts';

/**
 * Explores one scenario on `count` worker threads, each a deterministic slice of the same
 * search (execution i goes to worker i mod count), and merges the results. The failure reported
 * is the one at the lowest execution index — the one a single thread finds — whatever the count.
 */
export async function exploreInWorkers(task: Omit<WorkerTask, 'index' | 'bound'>): Promise<ExploreResult> {
  const bound = new SharedArrayBuffer(4);
  new Int32Array(bound)[0] = NO_BOUND;
  const boot = new URL('./worker-boot.mjs', import.meta.url);
  const replies = await Promise.all(Array.from({ length: task.count }, (_, index) => new Promise<WorkerReply>((resolve) => {
    const worker = new Worker(boot, { workerData: { ...task, index, bound } satisfies WorkerTask });
    worker.once('message', (reply: WorkerReply) => {
      resolve(reply);
      void worker.terminate();
    });
    worker.once('error', (e) => resolve({ ok: false, error: `worker ${index} crashed: ${e.message}` }));
    worker.once('exit', (code) => resolve({ ok: false, error: `worker ${index} exited with code ${code}` }));
  })));
  const failed = replies.find((r): r is Extract<WorkerReply, { ok: false }> => !r.ok);
  if (failed) throw new Error(failed.error);
  return mergeResults(replies.map((r) => (r as Extract<WorkerReply, { ok: true }>).result));
}
