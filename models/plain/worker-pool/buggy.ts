import { PoolClosedError, type PoolStats, type TaskHandler, type WorkerPool } from './types.ts';

/**
 * The pool as first written: a plain array as the queue, N async workers, results in an array,
 * statistics in a plain object. Idle workers sleep on a promise that submit() resolves (no
 * polling), and shutdown() lets the workers empty the queue first — that part works. The bugs
 * are steps split by an await (each needs another worker or caller to run there):
 * - nextTask() waits for work and returns the head of the queue; the worker removes the head
 *   only after that await: two workers get the same task, and the second shift() removes a
 *   task nobody runs (the task's queued → running transition is split across an await);
 * - `this.results = [...this.results, await …]` reads the array before the await: a result
 *   appended by another worker in between is lost (what ESLint's require-atomic-updates flags);
 * - a worker marks itself busy from a copy of the statistics taken when its task starts and
 *   writes the task's end from that same copy: `active`, `completed` and `failed` changed by
 *   another worker in between are overwritten (active stays above 0 once the pool is idle,
 *   completed + failed falls short of submitted);
 * - drain() waits for an empty queue only: it may return while a task is still running.
 */
export class BuggyPool<T, R> implements WorkerPool<T, R> {
  private readonly queue: T[] = [];
  results: readonly R[] = [];
  private counts: PoolStats = { submitted: 0, completed: 0, failed: 0, active: 0 };
  private closed = false;
  /** Wakes an idle worker, one each. */
  private readonly idle: (() => void)[] = [];
  /** Wakes drain() calls when a task ends. */
  private readonly drainers: (() => void)[] = [];
  private readonly workers: Promise<void>[];

  constructor(workers: number, private readonly handler: TaskHandler<T, R>) {
    this.workers = Array.from({ length: workers }, () => this.work());
  }

  submit(task: T): void {
    if (this.closed) throw new PoolClosedError('the pool is shut down');
    this.queue.push(task);
    this.counts = { ...this.counts, submitted: this.counts.submitted + 1 };
    this.idle.shift()?.();
  }

  /** The next task, once there is one; undefined when the pool is shut down and idle. */
  private async nextTask(): Promise<T | undefined> {
    while (this.queue.length === 0) {
      if (this.closed) return undefined;
      await new Promise<void>((wake) => this.idle.push(wake));
    }
    return this.queue[0];
  }

  private async work(): Promise<void> {
    for (;;) {
      const task = await this.nextTask();
      if (task === undefined) return;
      this.queue.shift(); // the head may have changed since nextTask() looked at it
      const { active, completed, failed } = this.counts;
      this.counts = { ...this.counts, active: active + 1 };
      let ok = true;
      try {
        this.results = [...this.results, await this.handler(task)];
      } catch {
        ok = false;
      }
      this.counts = { ...this.counts, active, completed: completed + (ok ? 1 : 0), failed: failed + (ok ? 0 : 1) };
      for (const wake of this.drainers.splice(0)) wake();
    }
  }

  async drain(): Promise<void> {
    while (this.queue.length > 0) await new Promise<void>((wake) => this.drainers.push(wake));
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    for (const wake of this.idle.splice(0)) wake();
    await Promise.all(this.workers);
  }

  stats(): PoolStats {
    return this.counts;
  }
}
