export interface PoolStats {
  readonly submitted: number;
  readonly completed: number;
  readonly failed: number;
  /** Workers running a task right now. */
  readonly active: number;
}

/** The worker pool of the seed benchmark: submit tasks, N workers run them, collect results. */
export interface WorkerPool<T, R> {
  /** Queues a task; throws PoolShutDownError once shutdown() has begun. */
  submit(task: T): Promise<void>;
  /** Waits until every submitted task has finished. */
  join(): Promise<void>;
  /** Stops the workers (after the tasks submitted so far) and waits for them. */
  shutdown(): Promise<void>;
  results(): Promise<readonly R[]>;
  stats(): Promise<PoolStats>;
}

export type Handler<T, R> = (task: T) => Promise<R> | R;

/** submit() after shutdown(): the task is refused, never silently dropped. */
export class PoolShutDownError extends Error {
  override readonly name = 'PoolShutDownError';
}
