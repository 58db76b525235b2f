import { Mutex, Shared, spawn, type TaskHandle } from 'heddle';
import type { Handler, PoolStats } from './types.ts';

/**
 * A pool that guards results and statistics with two locks — and takes them in opposite orders:
 * a worker recording a result holds `results` and wants `stats`; a reader of stats() holds
 * `stats` and wants `results`. `ordered: true` takes them in one order everywhere: the fix.
 */
export class TwoLockPool<T, R> {
  private readonly resultsLock = new Mutex('results-lock');
  private readonly statsLock = new Mutex('stats-lock');
  private readonly results = new Shared<readonly R[]>([], 'results');
  private readonly completed = new Shared(0, 'completed');
  private readonly workers: TaskHandle<void>[] = [];

  constructor(tasks: readonly T[], handler: Handler<T, R>, private readonly ordered: boolean) {
    tasks.forEach((task, i) => this.workers.push(spawn(async () => {
      const value = await handler(task);
      await this.resultsLock.withLock(() => this.statsLock.withLock(async () => {
        await this.results.set([...(await this.results.get()), value]);
        await this.completed.set((await this.completed.get()) + 1);
      }));
    }, `worker-${i + 1}`)));
  }

  async stats(): Promise<Pick<PoolStats, 'completed'> & { results: number }> {
    const [first, second] = this.ordered ? [this.resultsLock, this.statsLock] : [this.statsLock, this.resultsLock];
    return first.withLock(() => second.withLock(async () => ({ completed: await this.completed.get(), results: (await this.results.get()).length })));
  }

  async join(): Promise<void> {
    for (const w of this.workers) await w.join();
  }
}
