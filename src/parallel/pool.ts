import { Worker } from 'node:worker_threads';
import type { ExploreResult } from '../explore.ts';
import type { Scenario } from '../scenario.ts';
import { instrumentationOptions } from '../instrument/register.ts';
import { exploreSlice, mergeResults, SliceError, newBound, type WorkerReply, type WorkerResponse, type WorkerTask } from './protocol.ts';

/** What one search asks of the pool: the whole search, before it is cut into slices. */
export type SplitSearch = Omit<WorkerTask, 'index' | 'bound'>;

interface Thread {
  readonly worker: Worker;
  /** Requests sent and not answered yet, by id. */
  readonly waiting: Map<number, (reply: WorkerReply) => void>;
}

/**
 * Long-lived worker threads that explore slices of searches. Starting a worker costs hundreds
 * of milliseconds (it loads tsx, heddle and the scenario files), so a pool is started once and
 * reused for every search of a run (`check --workers N` over all scenarios). Idle workers do
 * not keep the process alive.
 */
export class WorkerPool {
  /** By slot; a slot whose worker died is empty until a slice needs it again. */
  private readonly threads: (Thread | undefined)[] = [];
  private nextId = 0;
  private closed = false;

  /** Starts the workers now (otherwise they start on first use). */
  warm(count: number): void {
    for (let k = 0; k < count; k++) this.threads[k] ??= this.start(k);
  }

  /** Explores one slice on worker `k` (started if needed). */
  slice(k: number, task: WorkerTask): Promise<WorkerReply> {
    if (this.closed) return Promise.resolve({ ok: false, error: 'the worker pool is closed' });
    this.warm(k + 1);
    const thread = this.threads[k]!;
    const id = this.nextId++;
    thread.worker.ref(); // a pending slice keeps the process alive
    return new Promise<WorkerReply>((resolve) => {
      thread.waiting.set(id, resolve);
      thread.worker.postMessage({ id, task });
    });
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    this.closed = true;
    const all = this.threads.splice(0);
    await Promise.all(all.map((t) => t?.worker.terminate()));
  }

  private start(index: number): Thread {
    // A worker instruments its modules as this thread does: hooks are not inherited, options are passed.
    const worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData: { instrumentation: instrumentationOptions() } });
    const thread: Thread = { worker, waiting: new Map() };
    worker.unref();
    worker.on('message', ({ id, reply }: WorkerResponse) => {
      const resolve = thread.waiting.get(id);
      thread.waiting.delete(id);
      if (thread.waiting.size === 0) worker.unref();
      resolve?.(reply);
    });
    const fail = (error: string) => {
      // A dead worker answers nothing more: fail what it owed; its slot starts a new one when next needed.
      if (this.threads[index] === thread) this.threads[index] = undefined;
      for (const resolve of thread.waiting.values()) resolve({ ok: false, error });
      thread.waiting.clear();
    };
    worker.once('error', (e) => fail(`worker ${index + 1} crashed: ${e.message}`));
    worker.once('exit', (code) => {
      if (!this.closed) fail(`worker ${index + 1} exited with code ${code}`);
    });
    return thread;
  }
}

/**
 * Explores one scenario on `count` threads, each a deterministic slice of the same search, and
 * merges the results. The failure reported is the one at the lowest execution index — the one
 * a single thread finds — whatever the count. With the scenario at hand (`local`) this thread
 * explores slice 0 itself. Without a `pool`, one is started for this search and closed after.
 */
export async function exploreInWorkers(search: SplitSearch, local?: Scenario, pool?: WorkerPool): Promise<ExploreResult> {
  const own = pool ?? new WorkerPool();
  try {
    const bound = newBound();
    const first = local === undefined ? 0 : 1;
    const remote = Array.from({ length: search.count - first }, (_, k) => own.slice(k, { ...search, index: k + first, bound }));
    const here = local === undefined ? [] : [exploreSlice(local, search.options, 0, search.count, new BigInt64Array(bound))
      .then((result): WorkerReply => ({ ok: true, result }))];
    const replies = await Promise.all([...here, ...remote]);
    const failed = replies.find((r): r is Extract<WorkerReply, { ok: false }> => !r.ok);
    if (failed) throw new SliceError(failed.error, failed.user ?? false);
    return mergeResults(replies.map((r) => (r as Extract<WorkerReply, { ok: true }>).result));
  } finally {
    if (pool === undefined) await own.close();
  }
}
