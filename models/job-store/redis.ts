import { randomUUID } from 'node:crypto';
import { Mutex, now } from 'heddle';
import { EXPIRY_MS, MAX_JOBS, MIN_READABLE_MS, StoreFullError, type Job, type JobPatch, type JobStatus, type JobStore } from './types.ts';

export { GetSetexJobStore } from './redis-buggy.ts';
export { RedisModel } from './redis-model.ts'; // where it was before #20

export interface ScoredMember {
  readonly value: string;
  readonly score: number;
}

/** Reads every connection can send. */
export interface RedisReads {
  get(key: string): Promise<string | null>;
  hgetall(key: string): Promise<Record<string, string>>;
  exists(key: string): Promise<number>;
  smembers(key: string): Promise<string[]>;
  /** ZRANGE key 0 -1 WITHSCORES: ascending by score, ties by member. */
  zrange(key: string): Promise<ScoredMember[]>;
  zscore(key: string, member: string): Promise<number | null>;
  /** -2: no such key; -1: no TTL. */
  pttl(key: string): Promise<number>;
  keys(pattern: string): Promise<string[]>;
}

/** MULTI … EXEC: the queued commands run as one block no other client's command enters. */
export interface RedisTransaction {
  hset(key: string, fields: Record<string, string>): this;
  hdel(key: string, field: string): this;
  pexpireat(key: string, atMs: number): this;
  zadd(key: string, score: number, member: string): this;
  zrem(key: string, members: readonly string[]): this;
  del(key: string): this;
  /** SET key value PX ms */
  setpx(key: string, value: string, ms: number): this;
  hgetall(key: string): this;
  exists(key: string): this;
  zscore(key: string, member: string): this;
  /** The replies in order; null when a WATCHed key changed (nothing ran). */
  exec(): Promise<unknown[] | null>;
}

/** A connection of one's own, for WATCH … MULTI … EXEC (WATCH is per connection). */
export interface RedisConnection extends RedisReads {
  watch(...keys: string[]): Promise<unknown>;
  unwatch(): Promise<unknown>;
  multi(): RedisTransaction;
}

/** The Redis commands the job stores use (a real client in redis-client.ts, or RedisModel). */
export interface RedisCommands extends RedisReads {
  setex(key: string, seconds: number, value: string): Promise<unknown>;
  hset(key: string, fields: Record<string, string>): Promise<unknown>;
  /** HSET only if the key exists, atomically (a Lua script on a real server). Used by the pre-#20 stores. */
  hsetIfExists(key: string, fields: Record<string, string>): Promise<boolean>;
  expire(key: string, seconds: number): Promise<unknown>;
  del(key: string): Promise<number>;
  sadd(key: string, member: string): Promise<unknown>;
  srem(key: string, member: string): Promise<unknown>;
  incr(key: string): Promise<number>;
  /** MULTI … EXEC without WATCH, on the shared connection. */
  multi(): RedisTransaction;
  /** Runs `fn` on a connection no other caller uses meanwhile (a pooled one), for WATCH. */
  isolated<T>(fn: (connection: RedisConnection) => Promise<T>): Promise<T>;
  close?(): Promise<void>;
}

/** Too many concurrent changes in a row beat this one's optimistic transaction: try again (503). */
export class StoreBusyError extends StoreFullError {}

export interface HashJobStoreOptions {
  /** New job ids: unique for ever (a Redis data loss must not make ids repeat). Default randomUUID. */
  readonly newId?: () => string;
  readonly expiryMs?: number;
  readonly minReadableMs?: number;
  /** WATCH … EXEC attempts before StoreBusyError: each failed one means another client's change landed. */
  readonly attempts?: number;
}

/** Live job ids scored by their expiry time (createdAt + expiry, the job key's PEXPIREAT). */
const INDEX = 'jobs:by-expiry';
/** Finished job ids scored by when they finished: the eviction order. */
const FINISHED = 'jobs:finished';
const jobKey = (id: string) => `job:${id}`;
const tombstone = (id: string) => `evicted:${id}`;

/**
 * The job store on Redis, for several server processes sharing one server. A job is a hash
 * `job:<id>` with a TTL; the index is a sorted set by expiry time, so a reader skips expired ids
 * without waiting for anyone to remove them. Every change is one MULTI/EXEC block, and the ones
 * that decide from what they read (create at the cap, update, recovery) are optimistic
 * transactions: WATCH what the decision read, read, EXEC only if none of it changed, else read
 * again. So the cap holds, a crash leaves no half-made job, and every job key has its TTL.
 *
 * The logic stays in TypeScript (no Lua) so heddle's Redis model runs this very code.
 */
export class HashJobStore implements JobStore {
  private readonly newId: () => string;
  private readonly expiryMs: number;
  private readonly minReadableMs: number;
  private readonly attempts: number;
  /**
   * Creates of this process take turns: they all WATCH the index, so concurrent ones would only
   * abort each other (under load, dozens of retries); across processes WATCH still decides.
   */
  private readonly creating = new Mutex('create');

  constructor(private readonly redis: RedisCommands, readonly maxJobs = MAX_JOBS, options: HashJobStoreOptions = {}) {
    this.newId = options.newId ?? (() => randomUUID());
    this.expiryMs = options.expiryMs ?? EXPIRY_MS;
    this.minReadableMs = options.minReadableMs ?? MIN_READABLE_MS;
    this.attempts = options.attempts ?? 50;
  }

  /** Runs one optimistic transaction until its EXEC lands (`attempt` returns undefined when it did not). */
  private async retry<T>(what: string, attempt: (c: RedisConnection) => Promise<T | undefined>): Promise<T> {
    for (let i = 0; i < this.attempts; i++) {
      const result = await this.redis.isolated(attempt);
      if (result !== undefined) return result;
    }
    throw new StoreBusyError(`${what}: ${this.attempts} concurrent changes in a row, try again`);
  }

  /**
   * At the cap, the oldest finished jobs whose finish is at least minReadableMs old make room
   * (their ids are remembered as evicted); with not enough of them, StoreFullError. Expired ids
   * leave the index in the same block.
   */
  create(): Promise<Job> {
    return this.creating.withLock(() => this.retry('create', async (c) => {
      await c.watch(INDEX);
      const t = now();
      const listed = await c.zrange(INDEX);
      const expired = listed.filter((e) => e.score < t).map((e) => e.value);
      const live = new Set(listed.filter((e) => e.score >= t).map((e) => e.value));
      const victims: string[] = [];
      const excess = live.size + 1 - this.maxJobs;
      if (excess > 0) {
        await c.watch(FINISHED); // only at the cap does the decision read it (watched before it is read)
        for (const f of await c.zrange(FINISHED)) {
          if (victims.length < excess && live.has(f.value) && f.score + this.minReadableMs <= t) victims.push(f.value);
        }
        if (victims.length < excess) {
          await c.unwatch();
          throw new StoreFullError(`at most ${this.maxJobs} jobs, none finished ${this.minReadableMs} ms ago`);
        }
      }
      const job: Job = { id: this.newId(), status: 'pending', message: '', progress: 0, createdAt: t };
      const expiresAt = t + this.expiryMs;
      const tx = this.forget(c.multi(), [...expired, ...victims]);
      for (const id of victims) tx.del(jobKey(id));
      tx.hset(jobKey(job.id), toFields(job)).pexpireat(jobKey(job.id), expiresAt).zadd(INDEX, expiresAt, job.id);
      return (await tx.exec()) === null ? undefined : job;
    }));
  }

  /** Drops ids from both indexes and remembers them as evicted for expiryMs. */
  private forget(tx: RedisTransaction, ids: readonly string[]): RedisTransaction {
    if (ids.length === 0) return tx;
    tx.zrem(INDEX, ids).zrem(FINISHED, ids);
    for (const id of ids) tx.setpx(tombstone(id), '1', this.expiryMs);
    return tx;
  }

  async get(id: string): Promise<Job | undefined> {
    return fromFields(await this.redis.hgetall(jobKey(id)));
  }

  async lookup(id: string): Promise<Job | 'evicted' | undefined> {
    const [fields, evicted, score] = (await this.redis.multi().hgetall(jobKey(id)).exists(tombstone(id)).zscore(INDEX, id).exec())!;
    const job = fromFields(fields as Record<string, string>);
    if (job !== undefined) return job;
    // Listed but its key is gone: it expired and nobody has pruned the index yet.
    return Number(evicted) === 1 || (score !== null && score !== undefined) ? 'evicted' : undefined;
  }

  update(id: string, patch: JobPatch): Promise<boolean> {
    return this.change(id, () => patch);
  }

  /**
   * Applies the patch `decide` returns for the job as read, only if the job key did not change
   * (or expire) meanwhile; false when there is no job or no patch. The finished index changes in
   * the same block as the status, and the TTL is set again, so even a key recreated behind
   * WATCH's back could not live for ever.
   */
  private change(id: string, decide: (job: Job) => JobPatch | undefined): Promise<boolean> {
    const key = jobKey(id);
    return this.retry('update', async (c) => {
      await c.watch(key);
      const job = fromFields(await c.hgetall(key));
      const patch = job && decide(job);
      if (job === undefined || patch === undefined) {
        await c.unwatch();
        return false;
      }
      const fields = toFields(patch);
      if (Object.keys(fields).length === 0) {
        await c.unwatch();
        return true; // an empty patch changes nothing (and HSET takes at least one field)
      }
      const wasFinished = finished(job.status);
      const willBeFinished = patch.status === undefined ? wasFinished : finished(patch.status);
      const t = now();
      if (willBeFinished && !wasFinished) fields.finishedAt = String(t);
      const tx = c.multi().hset(key, fields).pexpireat(key, job.createdAt + this.expiryMs);
      if (willBeFinished && !wasFinished) tx.zadd(FINISHED, t, id);
      if (!willBeFinished && wasFinished) tx.hdel(key, 'finishedAt').zrem(FINISHED, [id]);
      return (await tx.exec()) === null ? undefined : true;
    });
  }

  async delete(id: string): Promise<boolean> {
    const [deleted] = (await this.redis.multi().del(jobKey(id)).zrem(INDEX, [id]).zrem(FINISHED, [id]).exec())!;
    return Number(deleted) > 0;
  }

  /** The live jobs, oldest first: an id whose expiry time has passed is never named. */
  async list(): Promise<Job[]> {
    const t = now();
    const ids = (await this.redis.zrange(INDEX)).filter((e) => e.score >= t).map((e) => e.value);
    if (ids.length === 0) return [];
    const tx = this.redis.multi();
    for (const id of ids) tx.hgetall(jobKey(id));
    const replies = (await tx.exec())!;
    return replies.map((r) => fromFields(r as Record<string, string>)).filter((j): j is Job => j !== undefined);
  }

  /** Drops expired ids from the index (their keys are gone already: Redis expired them); returns how many. */
  async cleanup(): Promise<number> {
    const t = now();
    const expired = (await this.redis.zrange(INDEX)).filter((e) => e.score < t).map((e) => e.value);
    if (expired.length === 0) return 0;
    const [removed] = (await this.forget(this.redis.multi(), expired).exec())!;
    return Number(removed);
  }

  /** Jobs a dead process left pending or running become failed with `message`; returns how many. */
  async recover(message: string): Promise<number> {
    const t = now();
    let recovered = 0;
    for (const e of await this.redis.zrange(INDEX)) {
      if (e.score < t) continue;
      const interrupted = (job: Job): JobPatch | undefined => (finished(job.status) ? undefined : { status: 'failed', message });
      if (await this.change(e.value, interrupted)) recovered++;
    }
    return recovered;
  }

  async close(): Promise<void> {
    await this.redis.close?.();
  }
}

function finished(status: JobStatus): boolean {
  return status === 'done' || status === 'failed';
}

function toFields(values: object): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
}

function fromFields(h: Record<string, string>): Job | undefined {
  if (h.id === undefined) return undefined;
  return { id: h.id, status: h.status as JobStatus, message: h.message ?? '', progress: Number(h.progress), createdAt: Number(h.createdAt) };
}
