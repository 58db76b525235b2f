import { Mutex, now, Shared } from 'heddle';
import { EXPIRY_MS, MAX_JOBS, StoreFullError, type Job, type JobPatch, type JobStore } from './types.ts';

/**
 * The JobStore the seed proposes: one async lock, jobs as immutable records (a reader always gets
 * a consistent copy, never a live object), update of a missing job is a no-op, the limit is
 * enforced under the lock (the oldest finished job makes room; with none, StoreFullError), and
 * cleanup drops expired jobs in the same locked step that reads them.
 */
export class SafeJobStore implements JobStore {
  private readonly lock = new Mutex('jobs');
  private readonly jobs = new Shared<ReadonlyMap<string, Job>>(new Map(), 'jobs');
  private nextId = 1;

  constructor(readonly maxJobs = MAX_JOBS, readonly expiryMs = EXPIRY_MS) {}

  private change<R>(fn: (jobs: Map<string, Job>) => R): Promise<R> {
    return this.lock.withLock(async () => {
      let result!: R;
      await this.jobs.update((jobs) => {
        const next = new Map(jobs);
        result = fn(next);
        return next;
      });
      return result;
    });
  }

  create(): Promise<Job> {
    return this.change((jobs) => {
      if (jobs.size >= this.maxJobs) {
        expire(jobs, now() - this.expiryMs);
        const finished = [...jobs.values()].filter((j) => j.status === 'done' || j.status === 'failed')
          .sort((a, b) => a.createdAt - b.createdAt)[0];
        if (jobs.size >= this.maxJobs && finished === undefined) throw new StoreFullError(`at most ${this.maxJobs} jobs, none finished`);
        if (jobs.size >= this.maxJobs) jobs.delete(finished!.id);
      }
      const job: Job = { id: `job-${this.nextId++}`, status: 'pending', message: '', progress: 0, createdAt: now() };
      jobs.set(job.id, job);
      return { ...job };
    });
  }

  get(id: string): Promise<Job | undefined> {
    return this.lock.withLock(async () => {
      const job = (await this.jobs.get()).get(id);
      return job && { ...job }; // a copy: a caller that writes to it cannot change the store
    });
  }

  update(id: string, patch: JobPatch): Promise<boolean> {
    return this.change((jobs) => {
      const job = jobs.get(id);
      if (job === undefined) return false;
      jobs.set(id, { ...job, ...patch });
      return true;
    });
  }

  delete(id: string): Promise<boolean> {
    return this.change((jobs) => jobs.delete(id));
  }

  list(): Promise<Job[]> {
    return this.lock.withLock(async () => [...(await this.jobs.get()).values()].map((job) => ({ ...job })));
  }

  cleanup(): Promise<number> {
    return this.change((jobs) => expire(jobs, now() - this.expiryMs));
  }
}

function expire(jobs: Map<string, Job>, cutoff: number): number {
  let removed = 0;
  for (const [id, job] of jobs) {
    if (job.createdAt <= cutoff) {
      jobs.delete(id);
      removed++;
    }
  }
  return removed;
}
