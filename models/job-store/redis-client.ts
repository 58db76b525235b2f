import { createClient, createClientPool, WatchError } from 'redis';
import type { RedisCommands, RedisConnection, RedisReads, RedisTransaction, ScoredMember } from './redis.ts';

// HSET only when the key exists, in one atomic step on the server (the pre-#20 stores' update;
// RedisModel.hsetIfExists runs the same two steps, EXISTS then HSET, as one step).
const HSET_IF_EXISTS = `if redis.call('exists', KEYS[1]) == 1 then redis.call('hset', KEYS[1], unpack(ARGV)) return 1 end return 0`;

/** What the stores need of a node-redis client (a connection or a pooled one). */
interface NodeClient {
  get(key: string): Promise<string | null>;
  hGetAll(key: string): Promise<Record<string, string>>;
  exists(key: string): Promise<number>;
  sMembers(key: string): Promise<string[]>;
  zRangeWithScores(key: string, start: number, stop: number): Promise<ScoredMember[]>;
  zScore(key: string, member: string): Promise<number | null>;
  pTTL(key: string): Promise<number>;
  keys(pattern: string): Promise<string[]>;
  watch(keys: string[]): Promise<unknown>;
  unwatch(): Promise<unknown>;
  multi(): NodeMulti;
}

/** node-redis's MULTI builder, as far as the stores use it (each call queues one command). */
interface NodeMulti {
  hSet(key: string, fields: Record<string, string>): NodeMulti;
  hDel(key: string, field: string): NodeMulti;
  pExpireAt(key: string, atMs: number): NodeMulti;
  zAdd(key: string, member: { score: number; value: string }): NodeMulti;
  zRem(key: string, members: string[]): NodeMulti;
  del(key: string): NodeMulti;
  set(key: string, value: string, options: { expiration: { type: 'PX'; value: number } }): NodeMulti;
  hGetAll(key: string): NodeMulti;
  exists(key: string): NodeMulti;
  zScore(key: string, member: string): NodeMulti;
  exec(): Promise<unknown[]>;
}

class Transaction implements RedisTransaction {
  constructor(private readonly m: NodeMulti) {}
  hset(key: string, fields: Record<string, string>) {
    this.m.hSet(key, fields);
    return this;
  }
  hdel(key: string, field: string) {
    this.m.hDel(key, field);
    return this;
  }
  pexpireat(key: string, atMs: number) {
    this.m.pExpireAt(key, atMs);
    return this;
  }
  zadd(key: string, score: number, member: string) {
    this.m.zAdd(key, { score, value: member });
    return this;
  }
  zrem(key: string, members: readonly string[]) {
    this.m.zRem(key, [...members]);
    return this;
  }
  del(key: string) {
    this.m.del(key);
    return this;
  }
  setpx(key: string, value: string, ms: number) {
    this.m.set(key, value, { expiration: { type: 'PX', value: ms } });
    return this;
  }
  hgetall(key: string) {
    this.m.hGetAll(key);
    return this;
  }
  exists(key: string) {
    this.m.exists(key);
    return this;
  }
  zscore(key: string, member: string) {
    this.m.zScore(key, member);
    return this;
  }
  async exec(): Promise<unknown[] | null> {
    try {
      return await this.m.exec();
    } catch (e) {
      if (e instanceof WatchError) return null; // a watched key changed: nothing ran
      throw e;
    }
  }
}

function reads(c: NodeClient): RedisReads {
  return {
    get: (k) => c.get(k),
    hgetall: (k) => c.hGetAll(k),
    exists: (k) => c.exists(k),
    smembers: (k) => c.sMembers(k),
    zrange: (k) => c.zRangeWithScores(k, 0, -1),
    zscore: (k, m) => c.zScore(k, m),
    pttl: (k) => c.pTTL(k),
    keys: (p) => c.keys(p),
  };
}

/**
 * RedisCommands over a real server (node-redis), for the job service with several processes.
 * Plain commands and MULTI blocks share one connection; a WATCH transaction gets a connection of
 * its own from a pool (WATCH belongs to a connection: two requests watching on one connection
 * would each see the other's EXEC as theirs).
 */
export async function connectRedis(url: string, poolSize = 16): Promise<RedisCommands & { close(): Promise<void> }> {
  const client = createClient({ url });
  client.on('error', () => {}); // errors surface on the failing command
  await client.connect();
  const pool = createClientPool({ url }, { minimum: 1, maximum: poolSize });
  pool.on('error', () => {});
  try {
    await pool.connect();
  } catch (e) {
    await client.quit();
    throw e;
  }
  const shared = client as unknown as NodeClient;
  return {
    ...reads(shared),
    setex: (k, s, v) => client.setEx(k, s, v),
    hset: (k, f) => client.hSet(k, f),
    hsetIfExists: async (k, f) => (await client.eval(HSET_IF_EXISTS, { keys: [k], arguments: Object.entries(f).flat() })) === 1,
    expire: (k, s) => client.expire(k, s),
    del: (k) => client.del(k),
    sadd: (k, m) => client.sAdd(k, m),
    srem: (k, m) => client.sRem(k, m),
    incr: (k) => client.incr(k),
    multi: () => new Transaction(shared.multi()),
    isolated: (fn) => pool.execute(async (pooled) => {
      const c = pooled as unknown as NodeClient;
      let watching = false;
      const connection: RedisConnection = {
        ...reads(c),
        watch: async (...keys) => {
          watching = true;
          return c.watch(keys);
        },
        unwatch: async () => {
          watching = false;
          return c.unwatch();
        },
        multi: () => {
          watching = false; // EXEC ends the WATCH
          return new Transaction(c.multi());
        },
      };
      try {
        return await fn(connection);
      } finally {
        if (watching) await c.unwatch(); // the connection goes back to the pool clean
      }
    }),
    close: async () => {
      await pool.close();
      await client.quit();
    },
  };
}
