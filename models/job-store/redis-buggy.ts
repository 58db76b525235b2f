import { now } from 'heddle';
import type { RedisCommands } from './redis.ts';
import { EXPIRY_MS, MAX_JOBS, StoreFullError, type Job, type JobPatch, type JobStore } from './types.ts';

// The Redis stores as they were before #20, kept as the buggy side of the scenarios/redis pairs.
// Each command is atomic, but create (SMEMBERS, INCR, HSET, EXPIRE, SADD) and delete (SREM, DEL)
// are separate commands: concurrent creates both pass the count (cap exceeded), finished jobs
// never make room, the `jobs` set keeps naming expired keys (full for good while the list reads
// empty), and a crash between HSET and EXPIRE leaves a key that never expires.

const TTL_SECONDS = EXPIRY_MS / 1000;
const jobKey = (id: string) => `job:${id}`;

/** Shared by both stores: ids, the index of jobs, deletion, listing. */
abstract class RedisJobStore implements JobStore {
  constructor(protected readonly redis: RedisCommands, readonly maxJobs = MAX_JOBS) {}
  protected abstract write(id: string, job: Job): Promise<void>;
  abstract get(id: string): Promise<Job | undefined>;
  abstract update(id: string, patch: JobPatch): Promise<boolean>;

  async create(): Promise<Job> {
    if ((await this.redis.smembers('jobs')).length >= this.maxJobs) throw new StoreFullError(`at most ${this.maxJobs} jobs`);
    const job: Job = { id: `job-${await this.redis.incr('next-job')}`, status: 'pending', message: '', progress: 0, createdAt: now() };
    await this.write(job.id, job);
    await this.redis.sadd('jobs', job.id);
    return job;
  }

  async delete(id: string): Promise<boolean> {
    await this.redis.srem('jobs', id);
    return (await this.redis.del(jobKey(id))) > 0;
  }

  async list(): Promise<Job[]> {
    const out: Job[] = [];
    for (const id of await this.redis.smembers('jobs')) {
      const job = await this.get(id);
      if (job) out.push(job);
    }
    return out;
  }

  async cleanup(): Promise<number> {
    return 0; // Redis expires job keys itself (SETEX / EXPIRE with 24 hours)
  }
}

/**
 * The seed's Redis proposal: a job is one JSON string, updated by GET, modify, SETEX. Across
 * processes that is still a read-modify-write: two updaters of different fields lose one.
 */
export class GetSetexJobStore extends RedisJobStore {
  protected async write(id: string, job: Job): Promise<void> {
    await this.redis.setex(jobKey(id), TTL_SECONDS, JSON.stringify(job));
  }
  async get(id: string): Promise<Job | undefined> {
    const raw = await this.redis.get(jobKey(id));
    return raw === null ? undefined : (JSON.parse(raw) as Job);
  }
  async update(id: string, patch: JobPatch): Promise<boolean> {
    const job = await this.get(id);
    if (!job) return false;
    await this.write(id, { ...job, ...patch }); // another process may have written in between
    return true;
  }
}

/** HashJobStore before #20: a job is a hash, an update one HSET; create and delete not atomic. */
export class BuggyHashJobStore extends RedisJobStore {
  protected async write(id: string, job: Job): Promise<void> {
    await this.redis.hset(jobKey(id), toFields(job));
    await this.redis.expire(jobKey(id), TTL_SECONDS);
  }
  async get(id: string): Promise<Job | undefined> {
    const h = await this.redis.hgetall(jobKey(id));
    if (h.id === undefined) return undefined;
    return { id: h.id, status: h.status as Job['status'], message: h.message ?? '', progress: Number(h.progress), createdAt: Number(h.createdAt) };
  }
  update(id: string, patch: JobPatch): Promise<boolean> {
    return this.redis.hsetIfExists(jobKey(id), toFields(patch)); // one atomic step: no lost field, no resurrection
  }
}

function toFields(values: object): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
}
