import { now, Shared } from 'heddle';
import { EXPIRY_MS, MAX_JOBS, StoreFullError, type Job, type JobPatch, type JobStore } from './types.ts';

/** A job as the seed kept it: a record whose fields are changed one by one. */
interface LiveJob {
  readonly id: string;
  readonly createdAt: number;
  readonly status: Shared<Job['status']>;
  readonly message: Shared<string>;
  readonly progress: Shared<number>;
}

/**
 * The seed's global `jobs` dict, ported as written: fields updated one at a time across awaits,
 * check-then-insert for the limit, read-modify-write of the whole map for delete and cleanup,
 * and an update that recreates a missing job (`jobs.setdefault`). Bugs: a status read sees a
 * half-updated job (done at 20 %); a deleted job comes back when its background task updates
 * it; cleanup drops a job created meanwhile; two creates at the limit both get in.
 */
export class BuggyJobStore implements JobStore {
  private readonly jobs = new Shared<ReadonlyMap<string, LiveJob>>(new Map(), 'jobs');
  private nextId = 1;

  constructor(readonly maxJobs = MAX_JOBS, readonly expiryMs = EXPIRY_MS) {}

  private fresh(id: string): LiveJob {
    return { id, createdAt: now(), status: new Shared<Job['status']>('pending', `${id}.status`),
      message: new Shared('', `${id}.message`), progress: new Shared(0, `${id}.progress`) };
  }

  async create(): Promise<Job> {
    if ((await this.jobs.get()).size >= this.maxJobs) throw new StoreFullError(`at most ${this.maxJobs} jobs`);
    const job = this.fresh(`job-${this.nextId++}`);
    await this.jobs.set(new Map(await this.jobs.get()).set(job.id, job)); // the limit was checked a step ago
    return { id: job.id, createdAt: job.createdAt, status: 'pending', message: '', progress: 0 };
  }

  async get(id: string): Promise<Job | undefined> {
    const job = (await this.jobs.get()).get(id);
    return job === undefined ? undefined : snapshot(job);
  }

  async update(id: string, patch: JobPatch): Promise<boolean> {
    let job = (await this.jobs.get()).get(id);
    if (job === undefined) {
      job = this.fresh(id); // setdefault: a deleted job is recreated
      await this.jobs.set(new Map(await this.jobs.get()).set(id, job));
    }
    if (patch.status !== undefined) await job.status.set(patch.status);
    if (patch.message !== undefined) await job.message.set(patch.message);
    if (patch.progress !== undefined) await job.progress.set(patch.progress);
    return true;
  }

  async delete(id: string): Promise<boolean> {
    const jobs = await this.jobs.get();
    if (!jobs.has(id)) return false;
    const next = new Map(jobs);
    next.delete(id);
    await this.jobs.set(next);
    return true;
  }

  async list(): Promise<Job[]> {
    const out: Job[] = [];
    for (const job of (await this.jobs.get()).values()) out.push(await snapshot(job));
    return out;
  }

  async cleanup(): Promise<number> {
    const jobs = await this.jobs.get();
    const cutoff = now() - this.expiryMs;
    const keep = new Map([...jobs].filter(([, job]) => job.createdAt > cutoff));
    await this.jobs.set(keep); // a job created since the read is dropped
    return jobs.size - keep.size;
  }
}

/** Reads a live job field by field: each read is a step, so the fields can come from different moments. */
async function snapshot(job: LiveJob): Promise<Job> {
  return { id: job.id, createdAt: job.createdAt, status: await job.status.get(), message: await job.message.get(),
    progress: await job.progress.get() };
}
