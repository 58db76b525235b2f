export type JobStatus = 'pending' | 'running' | 'done' | 'failed';

/** A job as the status endpoint returns it: a snapshot, never a live object. */
export interface Job {
  readonly id: string;
  readonly status: JobStatus;
  readonly message: string;
  /** 0 to 100; 100 exactly when done. */
  readonly progress: number;
  readonly createdAt: number;
}

export type JobPatch = Partial<Pick<Job, 'status' | 'message' | 'progress'>>;

export class StoreFullError extends Error {
  override readonly name = 'StoreFullError';
}

/** The seed's job map, as a store: create/get/update/delete/list/cleanup. */
export interface JobStore {
  /** Creates a pending job. Throws StoreFullError at the limit when no finished job can make room. */
  create(): Promise<Job>;
  get(id: string): Promise<Job | undefined>;
  /** Changes a job; false (and no change) when the job no longer exists. */
  update(id: string, patch: JobPatch): Promise<boolean>;
  delete(id: string): Promise<boolean>;
  list(): Promise<Job[]>;
  /** Removes jobs older than the expiry; returns how many. */
  cleanup(): Promise<number>;
  /**
   * Like get, but tells eviction from absence: 'evicted' when the store itself removed the job
   * (to make room at the cap, or at expiry) within the last EXPIRY_MS, undefined when it never
   * existed or a client deleted it. Stores that never evict may leave it out.
   */
  lookup?(id: string): Promise<Job | 'evicted' | undefined>;
  /**
   * At start, before serving: jobs a dead process left 'pending' or 'running' become 'failed'
   * with `message` (saying they were interrupted); returns how many.
   */
  recover?(message: string): Promise<number>;
  /** Releases the store's connection or file. */
  close?(): Promise<void> | void;
}

/**
 * A finished job stays readable at least this long after it finished before the cap may evict
 * it to make room (the service's documented promise to clients).
 */
export const MIN_READABLE_MS = 60_000;

export const MAX_JOBS = 100;
export const EXPIRY_MS = 24 * 3600_000;

/** What a status reader may ever see: the fields agree with each other. */
export function consistent(job: Job): boolean {
  if (job.progress < 0 || job.progress > 100) return false;
  if (job.status === 'done') return job.progress === 100;
  if (job.status === 'pending') return job.progress === 0;
  return job.progress < 100 || job.status === 'failed';
}
