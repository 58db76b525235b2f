import { createClient } from 'redis';
import type { RedisCommands } from './redis.ts';

// HSET only when the key exists, in one atomic step on the server.
const HSET_IF_EXISTS = `if redis.call('exists', KEYS[1]) == 1 then redis.call('hset', KEYS[1], unpack(ARGV)) return 1 end return 0`;

/** RedisCommands over a real server (node-redis), for the job service with several processes. */
export async function connectRedis(url: string): Promise<RedisCommands & { close(): Promise<void> }> {
  const client = createClient({ url });
  client.on('error', () => {}); // errors surface on the failing command
  await client.connect();
  return {
    get: (k) => client.get(k),
    setex: (k, s, v) => client.setEx(k, s, v),
    hset: (k, f) => client.hSet(k, f),
    hgetall: (k) => client.hGetAll(k),
    hsetIfExists: async (k, f) => (await client.eval(HSET_IF_EXISTS, { keys: [k], arguments: Object.entries(f).flat() })) === 1,
    expire: (k, s) => client.expire(k, s),
    del: (k) => client.del(k),
    sadd: (k, m) => client.sAdd(k, m),
    srem: (k, m) => client.sRem(k, m),
    smembers: (k) => client.sMembers(k),
    incr: (k) => client.incr(k),
    close: async () => {
      await client.quit();
    },
  };
}
