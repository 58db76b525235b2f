/** Runs one task: in production an HTTP call, a query, a file conversion. */
export type TaskHandler<T, R> = (task: T) => Promise<R>;

export interface PoolStats {
  readonly submitted: number;
  /** Tasks whose handler returned: one result each. */
  readonly completed: number;
  /** Tasks whose handler threw. */
  readonly failed: number;
  /** Tasks a worker has taken and not finished yet. */
  readonly active: number;
}

/** The worker pool of the seed benchmark: N workers take submitted tasks and collect results. */
export interface WorkerPool<T, R> {
  /** Queues a task; throws PoolClosedError once shutdown() has begun. */
  submit(task: T): void;
  /** Resolves once every task submitted so far has finished. */
  drain(): Promise<void>;
  /** Refuses new tasks, finishes the queued ones, stops the workers and waits for them. */
  shutdown(): Promise<void>;
  /** The results of the completed tasks, in completion order. */
  readonly results: readonly R[];
  stats(): PoolStats;
}

/** submit() after shutdown() began: the task is refused, never silently dropped. */
export class PoolClosedError extends Error {
  override readonly name = 'PoolClosedError';
}
