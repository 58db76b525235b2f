import { Mutex, Queue, Shared, spawn, type TaskHandle } from 'heddle';
import { PoolShutDownError, type Handler, type PoolStats, type WorkerPool } from './types.ts';

const STOP = Symbol('stop');

interface State<R> {
  readonly results: readonly R[];
  readonly stats: PoolStats;
}

/**
 * The fix: heddle's Queue (Python's queue.Queue: blocking get, taskDone, join) hands each task to
 * exactly one worker; results and statistics change together in one atomic step; join() waits on
 * the queue's own count of unfinished tasks; shutdown() puts one stop marker per worker, so
 * every worker wakes and ends — no deadlock, no waiting forever, no polling.
 *
 * A submit racing shutdown() must not put its task behind the stop markers (no worker would
 * ever take it, and join() would wait forever): the gate makes "not shut down? then put" one
 * step against "shut down, then put the markers". The queue is unbounded, so put never blocks
 * while the gate is held.
 */
export class SafePool<T, R> implements WorkerPool<T, R> {
  private readonly queue = new Queue<T | typeof STOP>(0, 'queue');
  // Results and statistics in one immutable state, replaced in one atomic step: they always agree.
  private readonly state = Shared.atomic<State<R>>({ results: [], stats: { submitted: 0, completed: 0, failed: 0, active: 0 } }, 'state');
  private readonly workers: TaskHandle<void>[] = [];
  private readonly gate = new Mutex('pool-gate');
  // invariant: read and written only under `gate`; once true, no task is put on the queue.
  private stopped = false;

  constructor(workers: number, private readonly handler: Handler<T, R>) {
    for (let i = 1; i <= workers; i++) this.workers.push(spawn(() => this.work(), `worker-${i}`));
  }

  private async change(fn: (s: State<R>) => State<R>): Promise<void> {
    await this.state.update(fn);
  }

  private async work(): Promise<void> {
    for (;;) {
      const task = await this.queue.get();
      if (task === STOP) {
        this.queue.taskDone();
        return;
      }
      await this.change((s) => ({ ...s, stats: { ...s.stats, active: s.stats.active + 1 } }));
      let outcome: { ok: true; value: R } | { ok: false };
      try {
        outcome = { ok: true, value: await this.handler(task) };
      } catch {
        outcome = { ok: false };
      }
      await this.change(({ results, stats }) => outcome.ok
        ? { results: [...results, outcome.value], stats: { ...stats, completed: stats.completed + 1, active: stats.active - 1 } }
        : { results, stats: { ...stats, failed: stats.failed + 1, active: stats.active - 1 } });
      this.queue.taskDone();
    }
  }

  submit(task: T): Promise<void> {
    return this.gate.withLock(async () => {
      if (this.stopped) throw new PoolShutDownError('the pool is shut down');
      await this.change((s) => ({ ...s, stats: { ...s.stats, submitted: s.stats.submitted + 1 } }));
      await this.queue.put(task);
    });
  }

  join(): Promise<void> {
    return this.queue.join();
  }

  async shutdown(): Promise<void> {
    await this.gate.withLock(async () => {
      if (this.stopped) return;
      this.stopped = true;
      for (let i = 0; i < this.workers.length; i++) await this.queue.put(STOP);
    });
    for (const w of this.workers) await w.join();
  }

  async results(): Promise<readonly R[]> {
    return (await this.state.get()).results;
  }

  async stats(): Promise<PoolStats> {
    return (await this.state.get()).stats;
  }
}
