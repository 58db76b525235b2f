import { Shared, sleep, spawn, type TaskHandle } from 'heddle';
import type { Handler, PoolStats, WorkerPool } from './types.ts';

/**
 * The seed's pool, ported as written: a list used as a queue ("not empty?" then pop, in two
 * steps), an active-worker count and statistics changed by read-modify-write, results appended
 * to a shared list by read-then-write, and join() checking "queue empty" and "no worker
 * active" in separate steps. Idle workers poll (sleep 1 ms, virtual time inside heddle).
 * Bugs: a task run twice or never; results lost; stats out of step with results; join()
 * returning while a task is still running.
 */
export class BuggyPool<T, R> implements WorkerPool<T, R> {
  private readonly queue = new Shared<readonly T[]>([], 'queue');
  private readonly done = new Shared<readonly R[]>([], 'results');
  private readonly submitted = new Shared(0, 'submitted');
  private readonly completed = new Shared(0, 'completed');
  private readonly failed = new Shared(0, 'failed');
  private readonly active = new Shared(0, 'active');
  private readonly closed = new Shared(false, 'closed');
  private readonly workers: TaskHandle<void>[] = [];

  constructor(workers: number, private readonly handler: Handler<T, R>) {
    for (let i = 1; i <= workers; i++) this.workers.push(spawn(() => this.work(), `worker-${i}`));
  }

  private async work(): Promise<void> {
    for (;;) {
      const queue = await this.queue.get();
      if (queue.length === 0) {
        if (await this.closed.get()) return;
        await sleep(1);
        continue;
      }
      const task = queue[0]!;
      await this.queue.set((await this.queue.get()).slice(1)); // another worker may have taken it
      await this.active.set((await this.active.get()) + 1);
      try {
        const result = await this.handler(task);
        await this.done.set([...(await this.done.get()), result]);
        await this.completed.set((await this.completed.get()) + 1);
      } catch {
        await this.failed.set((await this.failed.get()) + 1);
      }
      await this.active.set((await this.active.get()) - 1);
    }
  }

  async submit(task: T): Promise<void> {
    await this.queue.set([...(await this.queue.get()), task]);
    await this.submitted.set((await this.submitted.get()) + 1);
  }

  async join(): Promise<void> {
    for (;;) {
      const empty = (await this.queue.get()).length === 0;
      if (empty && (await this.active.get()) === 0) return; // a worker may hold a task it has not counted yet
      await sleep(1);
    }
  }

  async shutdown(): Promise<void> {
    await this.join();
    await this.closed.set(true);
    for (const w of this.workers) await w.join();
  }

  results(): Promise<readonly R[]> {
    return this.done.get();
  }

  async stats(): Promise<PoolStats> {
    return { submitted: await this.submitted.get(), completed: await this.completed.get(),
      failed: await this.failed.get(), active: await this.active.get() };
  }
}
