import { spawn as spawnProcess, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explore } from 'heddle';
import { HashJobStore, GetSetexJobStore } from '../../models/job-store/redis.ts';
import { connectRedis } from '../../models/job-store/redis-client.ts';
import { lostField, updateAfterDelete } from '../../scenarios/redis/jobs.ts';

describe('the Redis job store under heddle (one step per Redis command)', () => {
  // The model's own JavaScript (its Map of keys, per-command steps) is tracked: these are its traces.
  for (const [buggy, fixed, traces] of [[...lostField, 4], [...updateAfterDelete, 6]] as const) {
    it(`${buggy.name}: the seed's GET/SETEX loses an update; HSET is verified over ${traces} traces`, async () => {
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

describe.skipIf(!existsSync(REDIS))('the Redis job store against a real redis-server (loopback)', () => {
  let server: ChildProcess;
  let url = '';
  beforeAll(async () => {
    const port = await freePort();
    server = spawnProcess(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    url = `redis://127.0.0.1:${port}`;
    for (let i = 0; i < 50; i++) {
      try {
        const probe = await connectRedis(url);
        await probe.close();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error('redis-server did not start');
  });
  afterAll(() => {
    server?.kill();
  });

  it('HashJobStore: concurrent field updates from two connections both land, a deleted job stays deleted', async () => {
    const a = await connectRedis(url);
    const b = await connectRedis(url);
    try {
      const storeA = new HashJobStore(a);
      const storeB = new HashJobStore(b);
      for (let round = 0; round < 50; round++) {
        const job = await storeA.create();
        await Promise.all([storeA.update(job.id, { progress: 50 }), storeB.update(job.id, { message: 'cancel requested' })]);
        const after = await storeB.get(job.id);
        expect(after?.progress).toBe(50);
        expect(after?.message).toBe('cancel requested');
        await Promise.all([storeA.delete(job.id), storeB.update(job.id, { progress: 75 })]);
        expect(await storeA.get(job.id)).toBeUndefined();
      }
    } finally {
      await a.close();
      await b.close();
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
