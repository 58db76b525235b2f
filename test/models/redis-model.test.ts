import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import { explore, scenario, sleep, spawn } from 'heddle';
import { RedisModel } from '../../models/job-store/redis-model.ts';
import { HashJobStore } from '../../models/job-store/redis.ts';
import { EXPIRY_MS, MIN_READABLE_MS, StoreFullError } from '../../models/job-store/types.ts';
import { idsFor } from '../../scenarios/redis/harness.ts';

async function passes(body: () => Promise<void>): Promise<void> {
  const r = await explore(scenario('redis-model', body), { strategy: 'dpor' });
  expect(r.failure?.message).toBeUndefined();
  expect(r.complete).toBe(true);
}

describe('the command-level Redis model, in virtual time', () => {
  it('a key lives until its expiry time, inclusive, then is gone for every command', () => passes(async () => {
    const r = new RedisModel();
    await r.hset('h', { a: '1' });
    await r.multi().pexpireat('h', 1000).zadd('z', 1, 'm').exec();
    expect(await r.pttl('h')).toBe(1000);
    expect(await r.pttl('z')).toBe(-1);
    await sleep(1000);
    expect(await r.hgetall('h')).toEqual({ a: '1' });
    await sleep(1);
    expect(await r.hgetall('h')).toEqual({});
    expect(await r.exists('h')).toBe(0);
    expect(await r.pttl('h')).toBe(-2);
    expect(await r.keys('*')).toEqual(['z']);
    await r.setex('s', 2, 'v');
    await sleep(2001);
    expect(await r.get('s')).toBeNull();
  }));

  it('HSET keeps a TTL, SET drops it, INCR keeps it', () => passes(async () => {
    const r = new RedisModel();
    await r.setex('n', 10, '1');
    expect(await r.incr('n')).toBe(2);
    expect(await r.pttl('n')).toBe(10_000);
    await r.multi().setpx('k', 'v', 5000).exec();
    await r.hset('k2', { f: 'v' });
    await r.expire('k2', 5);
    await r.hset('k2', { g: 'w' });
    expect(await r.pttl('k2')).toBe(5000);
  }));

  it('WATCH: EXEC fails when another connection wrote the key, or when it expired meanwhile; runs otherwise', () => passes(async () => {
    const r = new RedisModel();
    await r.hset('k', { v: '1' });
    expect(await r.isolated(async (c) => {
      await c.watch('k');
      await r.hset('k', { v: '2' });
      return c.multi().hset('k', { v: '3' }).exec();
    })).toBeNull();
    await r.expire('k', 1);
    expect(await r.isolated(async (c) => {
      await c.watch('k');
      await sleep(1001);
      return c.multi().hset('k', { v: '4' }).exec();
    })).toBeNull();
    expect(await r.exists('k')).toBe(0); // the failed EXEC did not recreate it
    expect(await r.isolated(async (c) => {
      await c.watch('k');
      return c.multi().hset('k', { v: '5' }).exec();
    })).toEqual([1]);
  }));

  it('MULTI/EXEC is one step: a reader sees all of a block or none of it', async () => {
    const s = scenario('multi-atomic', async () => {
      const r = new RedisModel();
      const writer = spawn(() => r.multi().hset('a', { v: '1' }).hset('b', { v: '1' }).exec(), 'writer');
      const reader = spawn(async () => (await r.multi().exists('a').exists('b').exec())!, 'reader');
      await writer.join();
      const [a, b] = await reader.join();
      assert.equal(a, b, 'the reader saw half of a block');
    });
    const r = await explore(s, { strategy: 'dpor' });
    expect(r.failure?.message).toBeUndefined();
    expect(r.schedulesRun).toBeGreaterThan(1); // the reader ran before and after the block
  });
});

describe('HashJobStore on the model: the eviction rule and lookup', () => {
  it('a finished job is evicted only MIN_READABLE_MS after it finished, oldest finish first; evicted and expired ids answer evicted for EXPIRY_MS', () => passes(async () => {
    const store = new HashJobStore(new RedisModel(), 2, { newId: idsFor('p') });
    const a = await store.create();
    const b = await store.create();
    await store.update(b.id, { status: 'failed', message: 'boom' });
    await sleep(10);
    await store.update(a.id, { status: 'done', progress: 100 });
    await assert.rejects(store.create(), StoreFullError);
    await sleep(MIN_READABLE_MS - 10);
    await store.create(); // b finished MIN_READABLE_MS ago: it goes
    expect(await store.lookup(b.id)).toBe('evicted');
    expect(await store.lookup(a.id)).toMatchObject({ status: 'done' });
    expect(await store.update(a.id, {})).toBe(true); // an empty patch: nothing to send
    await store.delete(a.id);
    expect(await store.lookup(a.id)).toBeUndefined();
    const c = await store.create();
    await sleep(EXPIRY_MS + 1);
    expect(await store.lookup(c.id)).toBe('evicted'); // expired, still in the index
    expect(await store.list()).toEqual([]);
    expect(await store.cleanup()).toBe(2);
    expect(await store.lookup(c.id)).toBe('evicted'); // remembered by its tombstone
    await sleep(EXPIRY_MS + 1);
    expect(await store.lookup(c.id)).toBeUndefined();
    expect(await store.recover('interrupted')).toBe(0);
  }));
});
