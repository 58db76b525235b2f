import { spawn as spawnProcess, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { explore } from 'heddle';
import { RedisModel } from '../../models/job-store/redis-model.ts';
import { GetSetexJobStore, HashJobStore, type RedisCommands } from '../../models/job-store/redis.ts';
import { connectRedis } from '../../models/job-store/redis-client.ts';
import { consistent, StoreFullError, type Job } from '../../models/job-store/types.ts';
import { lostField, updateAfterDelete } from '../../scenarios/redis/jobs.ts';

describe('the Redis job store under heddle (one step per Redis command)', () => {
  // The model's own JavaScript (its Map of keys, per-command steps) is tracked: these are its traces.
  for (const [buggy, fixed, traces] of [[...lostField, 6], [...updateAfterDelete, 4]] as const) {
    it(`${buggy.name}: the seed's GET/SETEX loses an update; HashJobStore is verified over ${traces} traces`, async () => {
      expect((await explore(buggy, { seed: 1, iterations: 500 })).failure?.kind).toBe('assertion');
      const r = await explore(fixed, { strategy: 'dpor' });
      expect(r.failure?.message).toBeUndefined();
      expect(r.complete).toBe(true);
      expect(r.schedulesRun).toBe(traces);
    });
  }
});

const REDIS = '/usr/bin/redis-server';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A tiny deterministic generator: the clients' choices are the same in every run. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

describe.skipIf(!existsSync(REDIS))('the Redis job store against a real redis-server (loopback)', () => {
  let server: ChildProcess;
  let url = '';
  let raw: ReturnType<typeof createClient>;
  beforeAll(async () => {
    const port = await freePort();
    server = spawnProcess(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    url = `redis://127.0.0.1:${port}`;
    for (let i = 0; i < 50; i++) {
      try {
        raw = createClient({ url });
        raw.on('error', () => {});
        await raw.connect();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error('redis-server did not start');
  });
  afterAll(async () => {
    await raw?.quit();
    server?.kill();
  });
  beforeEach(async () => {
    await raw.flushAll();
  });

  /** The invariants, read with direct commands (not through the store). */
  async function invariants(cap: number): Promise<void> {
    const keys = (await raw.keys('job:*')).sort();
    const listed = (await raw.zRange('jobs:by-expiry', 0, -1)).sort();
    expect(keys.length, 'job keys over the cap').toBeLessThanOrEqual(cap);
    expect(keys, 'every job key listed, every listed id with a key').toEqual(listed.map((id) => `job:${id}`));
    for (const key of keys) {
      expect(await raw.pTTL(key), `${key} without a TTL`).toBeGreaterThan(0);
      const h = await raw.hGetAll(key);
      const job: Job = { id: h.id!, status: h.status as Job['status'], message: h.message!, progress: Number(h.progress), createdAt: Number(h.createdAt) };
      expect(consistent(job), `${key} torn: ${JSON.stringify(h)}`).toBe(true);
    }
    for (const id of await raw.zRange('jobs:finished', 0, -1)) expect(listed).toContain(id);
  }

  it('HashJobStore: 20 connections create, poll, update and delete in rounds; exactly the cap is accepted, and after every phase no orphan key, every key has a TTL, nothing torn', async () => {
    const CAP = 5;
    const clients = await Promise.all(Array.from({ length: 20 }, () => connectRedis(url, 2)));
    let evicted = 0;
    try {
      const stores = clients.map((c) => new HashJobStore(c, CAP, { minReadableMs: 0 }));
      for (let round = 0; round < 12; round++) {
        // All 20 create at once while every job in the store is finished (evictable): exactly CAP fit.
        const created = await Promise.all(stores.map(async (store) => {
          try {
            return await store.create();
          } catch (e) {
            if (e instanceof StoreFullError) return undefined;
            throw e;
          }
        }));
        expect(created.filter((j) => j !== undefined)).toHaveLength(CAP);
        await invariants(CAP);
        // Each accepted job is run, polled by every client, finished, and sometimes deleted.
        await Promise.all(stores.map(async (store, i) => {
          const choose = lcg(round * 100 + i);
          const mine = created[i];
          if (mine !== undefined) await store.update(mine.id, { status: 'running', progress: 10 + Math.floor(choose() * 80) });
          for (const job of created) {
            const seen = job && (await store.lookup(job.id));
            if (seen === 'evicted') evicted++;
            else if (seen !== undefined) expect(consistent(seen)).toBe(true);
          }
          for (const other of await store.list()) expect(consistent(other)).toBe(true);
          if (mine === undefined) return;
          await store.update(mine.id, choose() < 0.5 ? { status: 'done', progress: 100 } : { status: 'failed', message: 'boom' });
          if (choose() < 0.3) expect(await store.delete(mine.id)).toBe(true);
        }));
        await invariants(CAP);
      }
      // Jobs of earlier rounds made room: they are remembered as evicted.
      expect((await raw.keys('evicted:*')).length).toBeGreaterThan(0);
      expect(evicted).toBe(0); // within a round, nothing running is ever evicted
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it('HashJobStore: concurrent field updates from two connections both land, a deleted job stays deleted', async () => {
    const a = await connectRedis(url);
    const b = await connectRedis(url);
    try {
      const storeA = new HashJobStore(a);
      const storeB = new HashJobStore(b);
      for (let round = 0; round < 20; round++) {
        const job = await storeA.create();
        await Promise.all([storeA.update(job.id, { progress: 50 }), storeB.update(job.id, { message: 'cancel requested' })]);
        const after = await storeB.get(job.id);
        expect(after?.progress).toBe(50);
        expect(after?.message).toBe('cancel requested');
        await Promise.all([storeA.delete(job.id), storeB.update(job.id, { progress: 75 })]);
        expect(await storeA.get(job.id)).toBeUndefined();
        expect(await storeA.lookup(job.id)).toBeUndefined(); // deleted by a client, not evicted
      }
      await invariants(100);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('HashJobStore: jobs a dead process left pending or running are failed by recover(), finished ones untouched; ids are UUIDs', async () => {
    const c = await connectRedis(url);
    try {
      const dead = new HashJobStore(c);
      const running = await dead.create();
      await dead.update(running.id, { status: 'running', progress: 40 });
      const pending = await dead.create();
      const done = await dead.create();
      await dead.update(done.id, { status: 'done', progress: 100 });
      expect(running.id).toMatch(/^[0-9a-f-]{36}$/);
      const restarted = new HashJobStore(c);
      expect(await restarted.recover('interrupted: the server stopped')).toBe(2);
      expect(await restarted.get(running.id)).toMatchObject({ status: 'failed', message: 'interrupted: the server stopped', progress: 40 });
      expect(await restarted.get(pending.id)).toMatchObject({ status: 'failed' });
      expect(await restarted.get(done.id)).toMatchObject({ status: 'done', progress: 100 });
      expect(await restarted.recover('again')).toBe(0);
      expect(await restarted.update(done.id, {})).toBe(true);
      expect(await restarted.update('no-such-job', {})).toBe(false);
      expect(await raw.zRange('jobs:finished', 0, -1)).toHaveLength(3); // failed jobs can make room
      await invariants(100);
    } finally {
      await c.close();
    }
  });

  it('the model answers as the server does: the same commands give the same replies', async () => {
    const c = await connectRedis(url);
    try {
      const script = async (r: RedisCommands) => {
        const out: unknown[] = [];
        out.push(await r.hset('h', { a: '1', b: '2' }), await r.hgetall('h'), await r.exists('h'));
        out.push(await r.multi().hdel('h', 'a').hdel('h', 'b').exists('h').exec()); // an emptied hash is gone
        out.push(await r.multi().zadd('z', 2, 'b').zadd('z', 1, 'c').zadd('z', 1, 'a').exec(), await r.zrange('z'), await r.zscore('z', 'b'), await r.zscore('z', 'x'));
        out.push(await r.multi().zrem('z', ['a', 'b', 'x']).zrem('z', ['c']).exists('z').exec());
        out.push(await r.sadd('s', 'x'), await r.sadd('s', 'x'), await r.smembers('s'), await r.srem('s', 'x'), await r.exists('s'));
        out.push(await r.incr('n'), await r.incr('n'), await r.get('n'), await r.pttl('n'), await r.pttl('missing'));
        out.push(await r.multi().setpx('t', 'v', 60_000).hgetall('missing').exec(), (await r.pttl('t')) > 59_000);
        out.push(await r.hset('e', { f: 'v' }), await r.multi().pexpireat('e', Date.now() - 1000).exists('e').exec()); // a past time deletes
        out.push(await r.hsetIfExists('gone', { f: 'v' }), await r.exists('gone'), await r.hsetIfExists('h2', {}).catch(() => 'error'));
        out.push(await r.del('n'), await r.del('n'), (await r.keys('t*')).sort());
        // WATCH: a key another connection changes makes EXEC fail; an unchanged one lets it run.
        out.push(await r.isolated(async (w) => {
          await w.watch('k');
          await r.setex('k', 100, 'other');
          return w.multi().setpx('k', 'mine', 1000).exec();
        }), await r.get('k'));
        out.push(await r.isolated(async (w) => {
          await w.watch('k');
          return w.multi().setpx('k', 'mine', 1000).exec();
        }), await r.get('k'));
        // A watched key that expires before EXEC counts as changed (Redis 7's isWatchedKeyExpired).
        await r.multi().setpx('x', 'v', 100).exec();
        out.push(await r.isolated(async (w) => {
          await w.watch('x');
          await new Promise((resolve) => setTimeout(resolve, 200));
          return w.multi().hset('x', { f: 'v' }).exec();
        }), await r.exists('x'));
        return out;
      };
      const real = await script(c);
      const model = await script(new RedisModel());
      expect(model).toEqual(real);
    } finally {
      await c.close();
    }
  });

  it('GetSetexJobStore works alone on the real server (its bug needs an interleaving heddle finds)', async () => {
    const c = await connectRedis(url);
    try {
      const store = new GetSetexJobStore(c);
      const job = await store.create();
      await store.update(job.id, { progress: 50 });
      await store.update(job.id, { message: 'm' });
      expect(await store.get(job.id)).toMatchObject({ progress: 50, message: 'm' });
    } finally {
      await c.close();
    }
  });
});
