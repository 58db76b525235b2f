import { now, Shared } from 'heddle';
import { EXPIRY_MS, MAX_JOBS, StoreFullError, type Job, type JobPatch, type JobStore } from './types.ts';

/** The Redis commands the job stores use (a real client or the model below). */
export interface RedisCommands {
  get(key: string): Promise<string | null>;
  setex(key: string, seconds: number, value: string): Promise<unknown>;
  hset(key: string, fields: Record<string, string>): Promise<unknown>;
  hgetall(key: string): Promise<Record<string, string>>;
  /** HSET only if the key exists, atomically (a Lua script on a real server). */
  hsetIfExists(key: string, fields: Record<string, string>): Promise<boolean>;
  expire(key: string, seconds: number): Promise<unknown>;
  del(key: string): Promise<number>;
  sadd(key: string, member: string): Promise<unknown>;
  srem(key: string, member: string): Promise<unknown>;
  smembers(key: string): Promise<string[]>;
  incr(key: string): Promise<number>;
}

type Value = string | ReadonlyMap<string, string> | ReadonlySet<string>;

/**
 * A Redis server as heddle sees it: every command is one atomic step (Redis runs commands one at
 * a time), so a scenario explores every way several processes' commands can interleave.
 */
export class RedisModel implements RedisCommands {
  private readonly data = Shared.atomic<ReadonlyMap<string, Value>>(new Map(), 'redis');

  private async read<T>(fn: (data: ReadonlyMap<string, Value>) => T): Promise<T> {
    return fn(await this.data.get());
  }

  private async write<T>(fn: (data: Map<string, Value>) => T): Promise<T> {
    let result!: T;
    await this.data.update((data) => {
      const next = new Map(data);
      result = fn(next);
      return next;
    });
    return result;
  }

  get(key: string) {
    return this.read((d) => (typeof d.get(key) === 'string' ? (d.get(key) as string) : null));
  }
  setex(key: string, _seconds: number, value: string) {
    return this.write((d) => d.set(key, value) && 'OK');
  }
  hset(key: string, fields: Record<string, string>) {
    return this.write((d) => {
      const hash = new Map(d.get(key) instanceof Map ? (d.get(key) as ReadonlyMap<string, string>) : []);
      for (const [f, v] of Object.entries(fields)) hash.set(f, v);
      d.set(key, hash);
      return Object.keys(fields).length;
    });
  }
  hsetIfExists(key: string, fields: Record<string, string>) {
    return this.write((d) => {
      const old = d.get(key);
      if (!(old instanceof Map)) return false;
      d.set(key, new Map([...old, ...Object.entries(fields)]));
      return true;
    });
  }
  hgetall(key: string) {
    return this.read((d) => Object.fromEntries(d.get(key) instanceof Map ? (d.get(key) as ReadonlyMap<string, string>) : []));
  }
  expire(_key: string, _seconds: number) {
    return Promise.resolve(1); // expiry is not modelled: no scenario runs for a day of Redis time
  }
  del(key: string) {
    return this.write((d) => (d.delete(key) ? 1 : 0));
  }
  sadd(key: string, member: string) {
    return this.write((d) => d.set(key, new Set([...(d.get(key) instanceof Set ? (d.get(key) as ReadonlySet<string>) : []), member])));
  }
  srem(key: string, member: string) {
    return this.write((d) => {
      const set = new Set(d.get(key) instanceof Set ? (d.get(key) as ReadonlySet<string>) : []);
      set.delete(member);
      d.set(key, set);
    });
  }
  smembers(key: string) {
    return this.read((d) => [...(d.get(key) instanceof Set ? (d.get(key) as ReadonlySet<string>) : [])].sort());
  }
  incr(key: string) {
    return this.write((d) => {
      const n = Number(d.get(key) ?? '0') + 1;
      d.set(key, String(n));
      return n;
    });
  }
}

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

/** The fix: a job is a hash; an update is one HSET of the changed fields, atomic in Redis. */
export class HashJobStore extends RedisJobStore {
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
