import { CLOSED, TaskQueue } from './queue.ts';
import { PoolClosedError, type PoolStats, type TaskHandler, type WorkerPool } from './types.ts';

/**
 * The fix, in plain TypeScript (no lock needed on a single thread: what must be atomic is kept
 * within one synchronous step):
 * - a blocking queue (queue.ts) removes a task in the step that hands it to a worker: no task
 *   is taken twice or skipped;
 * - a result is appended, or a failure counted, in the step after the handler's await, to the
 *   one results array: none is lost;
 * - the statistics are derived from that state (completed = results, active = unfinished −
 *   queued) instead of kept in step by hand: they always agree;
 * - drain() waits for a count of unfinished tasks to reach 0, woken by the worker that brings
 *   it there; shutdown() refuses new tasks first, drains, then closes the queue so that every
 *   idle worker wakes and ends: no deadlock, no polling, no waiting forever (as long as each
 *   handler call settles).
 */
export class SafePool<T, R> implements WorkerPool<T, R> {
  private readonly queue = new TaskQueue<T>();
  private readonly done: R[] = [];
  private submitted = 0;
  private failed = 0;
  /** invariant: submitted − results − failed; drain() waits for it to be 0. */
  private unfinished = 0;
  private readonly drainers: (() => void)[] = [];
  private closing = false;
  private readonly workers: Promise<void>[];

  constructor(workers: number, private readonly handler: TaskHandler<T, R>) {
    if (!(workers >= 1)) throw new RangeError(`a pool needs at least one worker, got ${workers}`);
    this.workers = Array.from({ length: workers }, () => this.work());
  }

  submit(task: T): void {
    if (this.closing) throw new PoolClosedError('the pool is shutting down');
    this.submitted++;
    this.unfinished++;
    this.queue.put(task);
  }

  private async work(): Promise<void> {
    for (;;) {
      const task = await this.queue.take();
      if (task === CLOSED) return;
      try {
        const result = await this.handler(task);
        this.done.push(result);
      } catch {
        this.failed++;
      }
      this.unfinished--;
      if (this.unfinished === 0) for (const wake of this.drainers.splice(0)) wake();
    }
  }

  async drain(): Promise<void> {
    if (this.unfinished > 0) await new Promise<void>((wake) => this.drainers.push(wake));
  }

  async shutdown(): Promise<void> {
    this.closing = true;
    await this.drain();
    this.queue.close();
    await Promise.all(this.workers);
  }

  get results(): readonly R[] {
    return this.done;
  }

  stats(): PoolStats {
    return { submitted: this.submitted, completed: this.done.length, failed: this.failed, active: this.unfinished - this.queue.length };
  }
}
