// The fixed registry, job store and pool used as ordinary production code, outside any
// exploration: heddle's primitives are plain async primitives here and sleep()/now() are real
// time. Requests arrive 0–2 ms apart, as in plain-runs.test.ts; every run must pass.
import { describe, expect, it } from 'vitest';
import { sleep } from 'heddle';
import { CircuitOpenError } from '../../models/breaker-registry/breaker.ts';
import { SafeRegistry } from '../../models/breaker-registry/fixed.ts';
import { SafeJobStore } from '../../models/job-store/fixed.ts';
import { jobStatus, startJob } from '../../models/job-store/handlers.ts';
import { consistent, StoreFullError } from '../../models/job-store/types.ts';
import { TwoLockPool } from '../../models/worker-pool/deadlock.ts';
import { SafePool } from '../../models/worker-pool/fixed.ts';
import { PoolShutDownError } from '../../models/worker-pool/types.ts';

const arrive = <T>(fn: () => Promise<T>): Promise<T> =>
  new Promise((resolve, reject) => setTimeout(() => fn().then(resolve, reject), Math.floor(Math.random() * 3)));

/** Fails instead of hanging: the seed's bar is "no deadlocks, no infinite waits". */
async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: still waiting after ${ms} ms`)), ms); });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const RUNS = 50;

describe('the fixed breaker registry, outside heddle', () => {
  it('concurrent callers for one key share one breaker, and its failures open the circuit', async () => {
    for (let i = 0; i < RUNS; i++) {
      const registry = new SafeRegistry(4);
      const breakers = await Promise.all([1, 2, 3, 4].map(() => arrive(async () => {
        const b = await registry.getBreaker('openai', 'key-1');
        await b.recordFailure();
        return b;
      })));
      expect(new Set(breakers).size).toBe(1);
      expect(await breakers[0]!.current()).toBe('open');
      expect((await registry.healthReport()).count).toBe(1);
    }
  });

  it('closed → open → half-open → closed with a real reset timeout', async () => {
    const registry = new SafeRegistry(1, 30);
    const breaker = await registry.getBreaker('openai', 'key-1');
    await expect(breaker.call(async () => { throw new Error('provider down'); })).rejects.toThrow('provider down');
    await expect(breaker.call(async () => 'never')).rejects.toBeInstanceOf(CircuitOpenError);
    await sleep(40); // real time outside an exploration
    expect(await breaker.current()).toBe('half-open');
    expect(await breaker.call(async () => 'ok')).toBe('ok');
    expect(await breaker.current()).toBe('closed');
  });
});

describe('the fixed job store, outside heddle', () => {
  it('status polled during a background job is always consistent, and the job finishes', async () => {
    for (let i = 0; i < RUNS / 5; i++) {
      const store = new SafeJobStore();
      const { job, background } = await startJob(store, [25, 50, 75]);
      const seen: string[] = [];
      const poll = async () => {
        for (let p = 0; p < 8; p++) {
          const j = await jobStatus(store, job.id);
          if (j && !consistent(j)) seen.push(`${j.status}@${j.progress}`);
          await sleep(3);
        }
      };
      await Promise.all([poll(), poll(), within(2000, 'background job', background.join())]);
      expect(seen).toEqual([]);
      expect((await store.get(job.id))?.status).toBe('done');
    }
  });

  it('get returns a copy: writing to it does not change the store', async () => {
    const store = new SafeJobStore();
    const { id } = await store.create();
    const copy = (await store.get(id))! as { progress: number };
    copy.progress = 99;
    expect((await store.get(id))?.progress).toBe(0);
  });

  it('a job deleted while its background task runs stays deleted', async () => {
    for (let i = 0; i < RUNS; i++) {
      const store = new SafeJobStore();
      const { job, background } = await startJob(store, [50]);
      await arrive(() => store.delete(job.id));
      await background.join();
      expect(await store.get(job.id)).toBeUndefined();
    }
  });

  it('concurrent creates never exceed the limit; cleanup drops only expired jobs', async () => {
    for (let i = 0; i < RUNS; i++) {
      // Real time: the new jobs must still be live at the cleanup a few ms after they are made. With
      // 20 ms to live, a pause of the test worker (GC, a busy CI machine) expired them (failed in CI).
      const store = new SafeJobStore(3, 100);
      const old = await store.create();
      await sleep(110); // `old` expires (real time)
      const created = await Promise.all([1, 2, 3, 4].map(() => arrive(async () => {
        try {
          return (await store.create()).id;
        } catch (e) {
          if (e instanceof StoreFullError) return null;
          throw e;
        }
      })));
      await store.cleanup();
      const ids = (await store.list()).map((j) => j.id);
      expect(ids.length).toBeLessThanOrEqual(3);
      expect(ids).not.toContain(old.id);
      expect(ids.sort()).toEqual(created.filter((id) => id !== null).sort());
    }
  });
});

describe('the fixed pool shuts down, outside heddle', () => {
  it('a submit racing shutdown is refused or run, and join() returns', async () => {
    let refused = 0;
    for (let i = 0; i < RUNS; i++) {
      const runs: number[] = [];
      const pool = new SafePool(2, async (t: number) => {
        runs.push(t);
        return t;
      });
      const submit = arrive(async () => {
        try {
          await pool.submit(1);
          return true;
        } catch (e) {
          if (e instanceof PoolShutDownError) return false;
          throw e;
        }
      });
      const [accepted] = await within(2000, 'submit + shutdown', Promise.all([submit, arrive(() => pool.shutdown())]));
      if (!accepted) refused++;
      expect(runs).toEqual(accepted ? [1] : []);
      await within(2000, 'join after shutdown', pool.join());
    }
    expect(refused).toBeLessThan(RUNS); // both outcomes are allowed; this just shows the race runs
  });

  it('the two-lock pool with one lock order never hangs', async () => {
    for (let i = 0; i < RUNS; i++) {
      const pool = new TwoLockPool([1, 2, 3], async (t: number) => t * 10, true);
      const [stats] = await within(2000, 'two-lock pool', Promise.all([arrive(() => pool.stats()), pool.join()]));
      expect(stats.completed).toBe(stats.results);
    }
  });
});
