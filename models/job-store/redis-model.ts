import { now, yieldNow } from 'heddle';
import type { RedisCommands, RedisConnection, RedisTransaction, ScoredMember } from './redis.ts';

/** A sorted set's members and scores (a class, so a hash's Map and a zset never look alike). */
class SortedSet {
  readonly scores = new Map<string, number>();
  /** Ascending by score, ties by member, as ZRANGE orders them. */
  ordered(): ScoredMember[] {
    return [...this.scores].map(([value, score]) => ({ value, score }))
      .sort((a, b) => a.score - b.score || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  }
}

type Value = string | Map<string, string> | Set<string> | SortedSet;

interface Entry {
  value: Value;
  /** Virtual ms at which the key expires; undefined: no TTL. Alive while now() <= expireAt, as in Redis. */
  expireAt: number | undefined;
}

class WrongTypeError extends Error {
  constructor(key: string) {
    super(`WRONGTYPE Operation against a key holding the wrong kind of value (${key})`);
  }
}

/**
 * The keyspace and the commands' meaning, synchronous: one call is one command, and nothing else
 * runs while it does (Redis runs commands one at a time). Expiry is lazy and exact: a key whose
 * time has passed is gone for every command, as `now() > expireAt` makes it gone in Redis
 * (keyIsExpired), whether or not the server's active expiry has deleted it yet.
 */
class Keyspace {
  private readonly keys = new Map<string, Entry>();
  /** Bumped by every write of a key (and by its deletion): what WATCH compares. */
  private readonly versions = new Map<string, number>();

  private live(key: string): Entry | undefined {
    const e = this.keys.get(key);
    if (e === undefined) return undefined;
    if (e.expireAt !== undefined && now() > e.expireAt) {
      this.keys.delete(key);
      return undefined;
    }
    return e;
  }

  private touch(key: string): void {
    this.versions.set(key, (this.versions.get(key) ?? 0) + 1);
  }

  /** The key's value of the given type, or undefined when absent; WRONGTYPE for another type. */
  private typed<V extends Value>(key: string, is: (v: Value) => v is V): V | undefined {
    const e = this.live(key);
    if (e === undefined) return undefined;
    if (!is(e.value)) throw new WrongTypeError(key);
    return e.value;
  }

  /** Writes a collection back: an empty one deletes the key, as Redis does; the TTL stays. */
  private store(key: string, value: Value, expireAt: number | undefined): void {
    this.touch(key);
    if (typeof value !== 'string' && (value instanceof SortedSet ? value.scores.size : value.size) === 0) this.keys.delete(key);
    else this.keys.set(key, { value, expireAt });
  }

  /** HDEL and SREM: removes one entry from a copy of the hash or set, written back; 1 if it was there. */
  private removeEntry<C extends Map<string, string> | Set<string>>(key: string, is: (v: Value) => v is C, entry: string, copy: (old: C) => C): number {
    const old = this.typed(key, is);
    if (old === undefined || !old.has(entry)) return 0;
    const next = copy(old);
    next.delete(entry);
    this.store(key, next, this.live(key)?.expireAt);
    return 1;
  }

  version(key: string): number {
    return this.versions.get(key) ?? 0;
  }
  exists(key: string): number {
    return this.live(key) === undefined ? 0 : 1;
  }
  get(key: string): string | null {
    return this.typed(key, isString) ?? null;
  }
  /** SET key value [PX ms]: a plain SET drops the old TTL. */
  set(key: string, value: string, pxMs?: number): 'OK' {
    this.store(key, value, pxMs === undefined ? undefined : now() + pxMs); // SET replaces a value of any type
    return 'OK';
  }
  incr(key: string): number {
    const old = this.get(key);
    const n = Number(old ?? '0') + 1;
    this.store(key, String(n), this.live(key)?.expireAt);
    return n;
  }
  hset(key: string, fields: Record<string, string>): number {
    const old = this.typed(key, isHash);
    const hash = new Map(old ?? []);
    let added = 0;
    for (const [f, v] of Object.entries(fields)) {
      if (!hash.has(f)) added++;
      hash.set(f, v);
    }
    this.store(key, hash, this.live(key)?.expireAt);
    return added;
  }
  hdel(key: string, field: string): number {
    return this.removeEntry(key, isHash, field, (hash) => new Map(hash));
  }
  hgetall(key: string): Record<string, string> {
    return Object.fromEntries(this.typed(key, isHash) ?? []);
  }
  /** PEXPIREAT: a time already past deletes the key, as in Redis. */
  pexpireat(key: string, atMs: number): number {
    const e = this.live(key);
    if (e === undefined) return 0;
    this.touch(key);
    if (atMs < now()) this.keys.delete(key);
    else e.expireAt = atMs;
    return 1;
  }
  /** PTTL: -2 absent, -1 no TTL. */
  pttl(key: string): number {
    const e = this.live(key);
    if (e === undefined) return -2;
    return e.expireAt === undefined ? -1 : e.expireAt - now();
  }
  del(key: string): number {
    if (this.live(key) === undefined) return 0;
    this.touch(key);
    this.keys.delete(key);
    return 1;
  }
  sadd(key: string, member: string): number {
    const set = new Set(this.typed(key, isSet) ?? []);
    const added = set.has(member) ? 0 : 1;
    set.add(member);
    this.store(key, set, this.live(key)?.expireAt);
    return added;
  }
  srem(key: string, member: string): number {
    return this.removeEntry(key, isSet, member, (set) => new Set(set));
  }
  smembers(key: string): string[] {
    return [...(this.typed(key, isSet) ?? [])].sort();
  }
  zadd(key: string, score: number, member: string): number {
    const old = this.typed(key, isSortedSet);
    const z = new SortedSet();
    for (const [m, s] of old?.scores ?? []) z.scores.set(m, s);
    const added = z.scores.has(member) ? 0 : 1;
    z.scores.set(member, score);
    this.store(key, z, this.live(key)?.expireAt);
    return added;
  }
  zrem(key: string, members: readonly string[]): number {
    const old = this.typed(key, isSortedSet);
    if (old === undefined || !members.some((m) => old.scores.has(m))) return 0;
    const z = new SortedSet();
    for (const [m, s] of old.scores) if (!members.includes(m)) z.scores.set(m, s);
    this.store(key, z, this.live(key)?.expireAt);
    return old.scores.size - z.scores.size;
  }
  zrange(key: string): ScoredMember[] {
    return this.typed(key, isSortedSet)?.ordered() ?? [];
  }
  zscore(key: string, member: string): number | null {
    return this.typed(key, isSortedSet)?.scores.get(member) ?? null;
  }
  /** KEYS with a trailing `*` (the only pattern the checks use). */
  keysWithPrefix(prefix: string): string[] {
    return [...this.keys.keys()].filter((k) => k.startsWith(prefix) && this.live(k) !== undefined).sort();
  }
}

/** HSET with no field is a wrong number of arguments in Redis. */
function noFields(fields: Record<string, string>): void {
  if (Object.keys(fields).length === 0) throw new Error("ERR wrong number of arguments for 'hset' command");
}

function isString(v: Value): v is string {
  return typeof v === 'string';
}
function isHash(v: Value): v is Map<string, string> {
  return v instanceof Map;
}
function isSet(v: Value): v is Set<string> {
  return v instanceof Set;
}
function isSortedSet(v: Value): v is SortedSet {
  return v instanceof SortedSet;
}

/** The commands every connection has, each one step: a scheduling point, then the command alone. */
class ModelReads {
  constructor(protected readonly db: Keyspace) {}
  protected async run<T>(command: (db: Keyspace) => T): Promise<T> {
    await yieldNow(); // invariant: the command below runs with no other task's step in between
    return command(this.db);
  }
  get(key: string) {
    return this.run((db) => db.get(key));
  }
  hgetall(key: string) {
    return this.run((db) => db.hgetall(key));
  }
  exists(key: string) {
    return this.run((db) => db.exists(key));
  }
  smembers(key: string) {
    return this.run((db) => db.smembers(key));
  }
  zrange(key: string) {
    return this.run((db) => db.zrange(key));
  }
  zscore(key: string, member: string) {
    return this.run((db) => db.zscore(key, member));
  }
  pttl(key: string) {
    return this.run((db) => db.pttl(key));
  }
  keys(pattern: string) {
    if (!pattern.endsWith('*') || pattern.slice(0, -1).includes('*')) throw new Error(`the model's KEYS takes 'prefix*', got '${pattern}'`);
    return this.run((db) => db.keysWithPrefix(pattern.slice(0, -1)));
  }
}

/** MULTI … EXEC: the queued commands run in one step; with WATCH, not at all if a watched key changed. */
class ModelTransaction implements RedisTransaction {
  private readonly queued: ((db: Keyspace) => unknown)[] = [];
  constructor(private readonly db: Keyspace, private readonly unchanged: (db: Keyspace) => boolean) {}
  private queue(command: (db: Keyspace) => unknown): this {
    this.queued.push(command);
    return this;
  }
  hset(key: string, fields: Record<string, string>) {
    noFields(fields); // Redis refuses the block at EXEC (EXECABORT); here, at once
    return this.queue((db) => db.hset(key, fields));
  }
  pexpireat(key: string, atMs: number) {
    return this.queue((db) => db.pexpireat(key, atMs));
  }
  zadd(key: string, score: number, member: string) {
    return this.queue((db) => db.zadd(key, score, member));
  }
  zrem(key: string, members: readonly string[]) {
    return this.queue((db) => db.zrem(key, members));
  }
  del(key: string) {
    return this.queue((db) => db.del(key));
  }
  setpx(key: string, value: string, ms: number) {
    return this.queue((db) => db.set(key, value, ms));
  }
  hdel(key: string, field: string) {
    return this.queue((db) => db.hdel(key, field));
  }
  hgetall(key: string) {
    return this.queue((db) => db.hgetall(key));
  }
  exists(key: string) {
    return this.queue((db) => db.exists(key));
  }
  zscore(key: string, member: string) {
    return this.queue((db) => db.zscore(key, member));
  }
  async exec(): Promise<unknown[] | null> {
    await yieldNow(); // invariant: the whole block runs in this one step
    if (!this.unchanged(this.db)) return null;
    // A command that fails at run time (WRONGTYPE) answers its error; the others still run, as in Redis.
    return this.queued.map((command) => {
      try {
        return command(this.db);
      } catch (e) {
        if (e instanceof WrongTypeError) return e;
        throw e;
      }
    });
  }
}

/**
 * One connection's WATCH state. EXEC fails (null) when a watched key was written, deleted or
 * expired since WATCH — Redis 7 counts a key that expires after WATCH as changed
 * (isWatchedKeyExpired in multi.c).
 */
class ModelConnection extends ModelReads implements RedisConnection {
  private watched = new Map<string, { version: number; alive: boolean }>();
  watch(...keys: string[]) {
    return this.run((db) => {
      for (const key of keys) if (!this.watched.has(key)) this.watched.set(key, { version: db.version(key), alive: db.exists(key) === 1 });
    });
  }
  unwatch() {
    return this.run(() => {
      this.watched = new Map();
    });
  }
  multi(): RedisTransaction {
    const watched = this.watched;
    this.watched = new Map(); // EXEC (or DISCARD) ends the WATCH
    return new ModelTransaction(this.db, (db) =>
      [...watched].every(([key, w]) => db.version(key) === w.version && (!w.alive || db.exists(key) === 1)));
  }
}

/**
 * A Redis server as heddle sees it: every command, and every MULTI/EXEC block, is one atomic step
 * (Redis runs commands one at a time), TTLs run in heddle's virtual time (`sleep` moves it), and
 * WATCH is per connection (`isolated`). The job stores run on it unchanged, so a scenario
 * explores every way several server processes' commands interleave.
 */
export class RedisModel extends ModelReads implements RedisCommands {
  constructor() {
    super(new Keyspace());
  }
  setex(key: string, seconds: number, value: string) {
    return this.run((db) => db.set(key, value, seconds * 1000));
  }
  hset(key: string, fields: Record<string, string>) {
    noFields(fields);
    return this.run((db) => db.hset(key, fields));
  }
  /** The Lua script of redis-client.ts, run as one step as the server runs a script. */
  hsetIfExists(key: string, fields: Record<string, string>) {
    return this.run((db) => db.exists(key) === 1 && (db.hset(key, fields), true));
  }
  expire(key: string, seconds: number) {
    return this.run((db) => db.pexpireat(key, now() + seconds * 1000));
  }
  del(key: string) {
    return this.run((db) => db.del(key));
  }
  sadd(key: string, member: string) {
    return this.run((db) => db.sadd(key, member));
  }
  srem(key: string, member: string) {
    return this.run((db) => db.srem(key, member));
  }
  incr(key: string) {
    return this.run((db) => db.incr(key));
  }
  multi(): RedisTransaction {
    return new ModelTransaction(this.db, () => true);
  }
  isolated<T>(fn: (connection: RedisConnection) => Promise<T>): Promise<T> {
    return fn(new ModelConnection(this.db));
  }
}
