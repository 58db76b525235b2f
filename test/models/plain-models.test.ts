// The plain-TypeScript seed models (models/plain), outside heddle, in plain Node.
// (a) The fixed models are ordinary production code: with real async I/O (random microtask,
//     setImmediate and timer delays) they keep their invariants under heavy concurrency, 100
//     runs out of 100.
// (b) Each buggy model's bug is real: driven with controlled deferreds, the racy order shows it,
//     and the same calls in a benign order do not — the bug needs the interleaving.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isScenario, type Scenario } from 'heddle';
import { BuggyCache } from '../../models/plain/cache/buggy.ts';
import { SafeCache } from '../../models/plain/cache/fixed.ts';
import { BuggyCounter } from '../../models/plain/counter/buggy.ts';
import { SafeCounter } from '../../models/plain/counter/fixed.ts';
import type { MetricStore } from '../../models/plain/counter/types.ts';
import { BuggyRegistry } from '../../models/plain/registry/buggy.ts';
import { SafeRegistry } from '../../models/plain/registry/fixed.ts';
import type { CircuitBreaker } from '../../models/plain/registry/breaker.ts';
import { BuggyPool } from '../../models/plain/worker-pool/buggy.ts';
import { SafePool } from '../../models/plain/worker-pool/fixed.ts';
import { PoolClosedError } from '../../models/plain/worker-pool/types.ts';

/** A real asynchronous delay of random kind: a microtask, a setImmediate, or a 0–2 ms timer. */
function jitter(): Promise<void> {
  const r = Math.random();
  if (r < 0.4) return Promise.resolve();
  if (r < 0.8) return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 3)));
}

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

/** Runs `once` `runs` times in sequence; returns how many runs threw nothing. */
async function passes(runs: number, once: () => Promise<void>): Promise<number> {
  let ok = 0;
  for (let i = 0; i < runs; i++) {
    try {
      await once();
      ok++;
    } catch (e) {
      console.error(`run ${i + 1}:`, e); // the first broken invariant, for whoever reads the log
    }
  }
  return ok;
}

/** Retries a call whose injected I/O fails at random: a failure must not be remembered. */
async function retried<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      if (attempt === 30) throw e;
    }
  }
}

function check(cond: boolean, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

/** A promise the test settles by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets pending continuations run until `cond` holds (at most 100 microtask turns). */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !cond(); i++) await Promise.resolve();
  if (!cond()) throw new Error('the awaited state never came');
}

/** A loader whose answers the test gives by hand: each call waits for `answer(key)`. */
function handLoader() {
  const waiting: { key: string; answer: (value: string) => void }[] = [];
  const load = (key: string): Promise<string> => {
    const d = deferred<string>();
    waiting.push({ key, answer: d.resolve });
    return d.promise;
  };
  const answer = (key: string, value = `${key}!`) => {
    const i = waiting.findIndex((w) => w.key === key);
    waiting.splice(i, 1)[0]!.answer(value);
  };
  return { load, waiting, answer };
}

describe('fixed plain models with real async I/O, 100 runs each', () => {
  it('SafeCache: one load per key in flight, the loaded value returned, never over capacity, every get counted', async () => {
    const ok = await passes(100, async () => {
      const inFlight = new Map<string, number>();
      let cache!: SafeCache<string, string>;
      const load = async (key: string) => {
        check((inFlight.get(key) ?? 0) === 0, `two loads of ${key} in flight`);
        inFlight.set(key, 1);
        await jitter();
        check(cache.size <= cache.maxSize, `over capacity: ${cache.size}`);
        inFlight.set(key, 0);
        if (Math.random() < 0.1) throw new Error(`load of ${key} failed`);
        return `value of ${key}`;
      };
      cache = new SafeCache(3, load);
      const gets = Array.from({ length: 40 }, async () => {
        await jitter();
        const key = pick(['a', 'b', 'c', 'd', 'e']);
        const value = await cache.get(key).catch(() => 'failed');
        check(value === 'failed' || value === `value of ${key}`, `get(${key}) returned ${value}`);
      });
      await Promise.all(gets);
      check(cache.size <= 3, `over capacity: ${cache.size}`);
      const { hits, misses } = cache.stats();
      check(hits + misses === 40, `hits ${hits} + misses ${misses} ≠ 40`);
      for (const key of ['a', 'b', 'c', 'd', 'e']) check(await retried(() => cache.get(key)) === `value of ${key}`, `get(${key}) after the run`);
    });
    expect(ok).toBe(100);
  });

  it('SafeCounter: no record lost, and every snapshot is the sum of a prefix of the records', async () => {
    const ok = await passes(100, async () => {
      const values = new Map<string, number>();
      const store: MetricStore = {
        read: async (key) => {
          await jitter();
          return values.get(key) ?? 0;
        },
        write: async (key, value) => {
          await jitter();
          values.set(key, value);
        },
      };
      const counter = new SafeCounter(store);
      const amounts: number[] = []; // in call order: the lock is FIFO, so also in commit order
      const snapshots: Promise<{ count: number; total: number }>[] = [];
      await Promise.all(Array.from({ length: 20 }, async (_, i) => {
        await jitter();
        if (i % 4 === 0) snapshots.push(counter.snapshot());
        const amount = 1 + Math.floor(Math.random() * 9);
        amounts.push(amount);
        await counter.record(amount);
      }));
      const sum = (n: number) => amounts.slice(0, n).reduce((a, b) => a + b, 0);
      check(values.get('count') === 20 && values.get('total') === sum(20), `store: ${[...values]} after 20 records`);
      for (const { count, total } of await Promise.all(snapshots)) check(total === sum(count), `snapshot count ${count} total ${total}`);
    });
    expect(ok).toBe(100);
  });

  it('SafePool: each task runs once, results and stats agree, drain and shutdown end, late submits are refused', async () => {
    const ok = await passes(100, async () => {
      const runs = new Map<number, number>();
      const finished = new Set<number>();
      const pool = new SafePool<number, number>(4, async (task) => {
        runs.set(task, (runs.get(task) ?? 0) + 1);
        await jitter();
        finished.add(task);
        if (task % 7 === 0) throw new Error(`task ${task} failed`);
        return task * 10;
      });
      const submitted: number[] = [];
      const drains: Promise<void>[] = [];
      await Promise.all(Array.from({ length: 50 }, async (_, task) => {
        await jitter();
        pool.submit(task);
        submitted.push(task);
        const s = pool.stats();
        check(s.completed + s.failed + s.active <= s.submitted && s.active <= s.submitted, `stats ${JSON.stringify(s)}`);
        check(s.completed === pool.results.length, `completed ${s.completed} ≠ ${pool.results.length} results`);
        if (task % 10 === 0) {
          const before = [...submitted];
          drains.push(pool.drain().then(() => {
            for (const t of before) check(finished.has(t), `drain() resolved before task ${t} finished`);
          }));
        }
      }));
      await Promise.all([...drains, pool.shutdown()]);
      let refused = false;
      try {
        pool.submit(99);
      } catch (e) {
        refused = e instanceof PoolClosedError;
      }
      check(refused, 'submit after shutdown was accepted');
      for (let t = 0; t < 50; t++) check(runs.get(t) === 1, `task ${t} ran ${runs.get(t) ?? 0} times`);
      const s = pool.stats();
      check(s.submitted === 50 && s.active === 0 && s.failed === 8 && s.completed === 42, `stats ${JSON.stringify(s)}`);
      check(pool.results.length === 42 && new Set(pool.results).size === 42, `${pool.results.length} results`);
    });
    expect(ok).toBe(100);
  });

  it('SafeRegistry: one breaker per key for every caller, failed creations retried, failures open the kept circuit', async () => {
    const ok = await passes(100, async () => {
      const registry = new SafeRegistry(async (key) => {
        await jitter();
        if (Math.random() < 0.1) throw new Error(`settings for ${key} unavailable`);
        return { failureThreshold: 5, resetAfterMs: 60_000 };
      });
      const seen = new Map<string, Set<CircuitBreaker>>();
      let failures = 0;
      await Promise.all(Array.from({ length: 40 }, async () => {
        await jitter();
        const apiKey = pick(['k1', 'k2', 'k3']);
        const breaker = await registry.get('openai', apiKey).catch(() => undefined);
        if (breaker === undefined) return;
        if (apiKey === 'k1') {
          breaker.recordFailure();
          failures++;
        }
        seen.set(apiKey, (seen.get(apiKey) ?? new Set()).add(breaker));
      }));
      for (const [key, breakers] of seen) check(breakers.size === 1, `${breakers.size} breakers for ${key}`);
      const kept = await retried(() => registry.get('openai', 'k1'));
      check(!seen.has('k1') || seen.get('k1')!.has(kept), 'the kept breaker is not the one the callers got');
      check(failures < 5 || kept.state === 'open', `${failures} failures (threshold 5) left the kept circuit ${kept.state}`);
      check(registry.size <= 3, `${registry.size} entries for 3 keys`);
    });
    expect(ok).toBe(100);
  });
});

describe('buggy plain models in plain Node: the racy order shows the bug, a benign order does not', () => {
  it('BuggyCache: a second get of a key during its load loads it again', async () => {
    const loader = handLoader();
    const cache = new BuggyCache(2, loader.load);
    const first = cache.get('a');
    const second = cache.get('a'); // arrives while the first waits for its load
    expect(loader.waiting.map((w) => w.key)).toEqual(['a', 'a']);
    loader.answer('a', 'a#1');
    loader.answer('a', 'a#2');
    expect(await Promise.all([first, second])).toEqual(['a#2', 'a#2']); // the first caller's load was thrown away

    const benign = handLoader();
    const calm = new BuggyCache(2, benign.load);
    const one = calm.get('a');
    benign.answer('a');
    await one;
    expect(await calm.get('a')).toBe('a!');
    expect(benign.waiting).toHaveLength(0);
  });

  it('BuggyCache: an eviction between the load and the read returns undefined', async () => {
    const loader = handLoader();
    const cache = new BuggyCache(1, loader.load);
    const a = cache.get('a');
    loader.answer('a');
    // Inline, not until(): returning from a helper would cost the tick in which get('a') reads.
    while (cache.size === 0) await Promise.resolve();
    const b = cache.get('b'); // 'a' is stored and get('a') has not read it back: b evicts it
    loader.answer('b');
    expect(await a).toBeUndefined();
    expect(await b).toBe('b!');
  });

  it('BuggyCache: two misses that both start while there is room overfill the cache', async () => {
    const loader = handLoader();
    const cache = new BuggyCache(1, loader.load);
    const gets = [cache.get('a'), cache.get('b')];
    loader.answer('a');
    loader.answer('b');
    await Promise.all(gets);
    expect(cache.size).toBe(2);

    const benign = handLoader();
    const calm = new BuggyCache(1, benign.load);
    const a = calm.get('a');
    benign.answer('a');
    await a;
    const b = calm.get('b');
    benign.answer('b');
    expect(await b).toBe('b!');
    expect(calm.size).toBe(1);
  });

  it('BuggyCache: a miss counted during another load is lost', async () => {
    const loader = handLoader();
    const cache = new BuggyCache(2, loader.load);
    const gets = [cache.get('a'), cache.get('b')];
    loader.answer('a');
    loader.answer('b');
    await Promise.all(gets);
    expect(cache.stats()).toMatchObject({ hits: 0, misses: 1 }); // two gets, one counted
  });

  it('BuggyCounter: two records that read before either writes lose one', async () => {
    const values = new Map<string, number>();
    const store: MetricStore = { read: async (k) => values.get(k) ?? 0, write: async (k, v) => void values.set(k, v) };
    const counter = new BuggyCounter(store);
    await Promise.all([counter.record(5), counter.record(7)]);
    expect(Object.fromEntries(values)).toEqual({ count: 1, total: 7 });
    await counter.record(1); // alone: correct
    expect(Object.fromEntries(values)).toEqual({ count: 2, total: 8 });
  });

  it('BuggyCounter: a snapshot while the total is being written sees count and total disagree', async () => {
    const values = new Map<string, number>();
    const totalWrite = deferred<void>(); // the store applies the write of `total` when the test says
    const store: MetricStore = {
      read: async (k) => values.get(k) ?? 0,
      write: async (k, v) => {
        if (k === 'total') await totalWrite.promise;
        values.set(k, v);
      },
    };
    const counter = new BuggyCounter(store);
    const record = counter.record(5);
    await until(() => values.get('count') === 1); // count written, total in flight
    expect(await counter.snapshot()).toEqual({ count: 1, total: 0 });
    totalWrite.resolve();
    await record;
    expect(await counter.snapshot()).toEqual({ count: 1, total: 5 }); // after the record: consistent
  });

  it('BuggyPool: two workers woken together run the same task, and the other task never runs', async () => {
    const runs: number[] = [];
    const pool = new BuggyPool<number, number>(2, async (t) => {
      runs.push(t);
      return t * 10;
    });
    pool.submit(1);
    pool.submit(2); // both idle workers woken: both look at the head before either removes it
    await pool.shutdown();
    expect(runs).toEqual([1, 1]);
  });

  it('BuggyPool: two tasks running at once lose a result and leave the statistics wrong; drain() returns early', async () => {
    const answers = new Map<number, (r: number) => void>();
    const pool = new BuggyPool<number, number>(2, (t) => new Promise((resolve) => answers.set(t, resolve)));
    pool.submit(1);
    await until(() => answers.has(1)); // worker 1 runs task 1 and has removed it from the queue
    const drained = pool.drain(); // the queue is empty: resolves although task 1 is running
    pool.submit(2);
    await until(() => answers.has(2)); // worker 2 runs task 2 at the same time
    let early = false;
    void drained.then(() => (early = answers.size === 2 && pool.results.length === 0));
    answers.get(1)!(10);
    answers.get(2)!(20);
    await pool.shutdown();
    expect(pool.results).toHaveLength(1); // both read [] before their await: one result lost
    expect(pool.stats()).toMatchObject({ submitted: 2, completed: 1, active: 1 });
    expect(early).toBe(true);

    const calm = new BuggyPool<number, number>(2, async (t) => t * 10);
    calm.submit(1);
    await until(() => calm.results.length === 1);
    calm.submit(2);
    await until(() => calm.results.length === 2);
    await calm.shutdown();
    expect([...calm.results].sort()).toEqual([10, 20]);
    expect(calm.stats()).toEqual({ submitted: 2, completed: 2, failed: 0, active: 0 });
  });

  it('BuggyRegistry: two callers for one key create two breakers; the failure on the lost one never opens the circuit', async () => {
    const settings = deferred<{ failureThreshold: number; resetAfterMs: number }>();
    const registry = new BuggyRegistry(() => settings.promise);
    const [first, second] = [registry.get('openai', 'k1'), registry.get('openai', 'k1')];
    settings.resolve({ failureThreshold: 2, resetAfterMs: 60_000 });
    const [a, b] = await Promise.all([first, second]);
    expect(a).not.toBe(b);
    a.recordFailure();
    b.recordFailure();
    const kept = await registry.get('openai', 'k1');
    expect(kept.state).toBe('closed'); // two failures, threshold 2, yet the kept circuit is closed

    const calm = new BuggyRegistry(async () => ({ failureThreshold: 2, resetAfterMs: 60_000 }));
    const one = await calm.get('openai', 'k1');
    expect(await calm.get('openai', 'k1')).toBe(one);
  });
});

describe('the plain models and their scenarios', () => {
  const sources = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts')).map((f) => readFileSync(join(dir, f), 'utf8'));

  it('models/plain imports nothing from heddle, and scenarios/plain only scenario() through pair()', () => {
    for (const source of sources('models/plain')) expect(source).not.toMatch(/from ['"]heddle/);
    for (const source of sources('scenarios/plain')) expect(source).not.toMatch(/from ['"]heddle|spawn\(|Shared/);
  });

  it('every buggy plain scenario expects an assertion and has a fixed twin, whose body passes as plain code', async () => {
    const all: Scenario[] = [];
    for (const file of ['cache', 'counter', 'worker-pool', 'registry']) {
      const mod = (await import(`../../scenarios/plain/${file}.ts`)) as Record<string, unknown>;
      for (const value of Object.values(mod).flat()) if (isScenario(value)) all.push(value);
    }
    const buggy = all.filter((s) => !s.name.endsWith('.fixed'));
    expect(buggy).toHaveLength(11);
    for (const s of buggy) {
      expect(s.options.expect, s.name).toBe('assertion');
      const twin = all.find((f) => f.name === `${s.name}.fixed`);
      expect(twin?.options.expect ?? 'pass', s.name).toBe('pass');
      await twin!.body(); // plain Node runs one order (microtasks first in, first out): a fixed model passes it
    }
  });
});
