// JavaScript's semantics, not threads': every await of ordinary code is a scheduling point, any
// ready continuation may run at it, and every operation is credited to the strand that made it.
// These programs are plain async TypeScript (this file is instrumented by the vitest plugin, as
// `check` instruments scenario files); each case failed on the engine that saw only heddle's own
// primitives.
import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import { explore, scenario, Shared, sleep, spawn } from 'heddle';
import { makeStrategy } from '../../src/strategies.ts';
import type { ExecutionResult } from '../../scheduler/types.ts';
import { Observing } from '../support/observing.ts';
import { FAIR_SPIN } from '../../scheduler/fairness.ts';

const STRATEGIES = ['random', 'dfs', 'dpor'] as const;

/** Every execution of an exhaustive search, as the engine saw it. */
async function everyExecution(s: ReturnType<typeof scenario>, strategy: 'dfs' | 'dpor'): Promise<ExecutionResult[]> {
  const seen: ExecutionResult[] = [];
  const r = await explore(s, { strategyInstance: new Observing(makeStrategy(strategy, { seed: '1' }), (x) => seen.push(x)), shrink: false });
  expect(r.failure?.message).toBeUndefined();
  return seen;
}

describe('a lost update across a microtask', () => {
  // Plain Node loses an update every time: both calls read n before either writes.
  const everyTime = scenario('semantics/lost-update', async () => {
    const s = { n: 0 };
    const inc = async () => {
      const v = s.n;
      await Promise.resolve();
      s.n = v + 1;
    };
    await Promise.all([inc(), inc()]);
    assert.equal(s.n, 2, 'an update was lost');
  });
  // Here plain Node's FIFO order passes; only another order of the awaits loses an update.
  const onlyInterleaved = scenario('semantics/lost-update-interleaved', async () => {
    const s = { n: 0 };
    const inc = async () => {
      await Promise.resolve();
      const v = s.n;
      await Promise.resolve();
      s.n = v + 1;
    };
    const a = inc();
    await null;
    await null;
    await null;
    await Promise.all([a, inc()]);
    assert.equal(s.n, 2, 'an update was lost');
  });

  for (const strategy of STRATEGIES) {
    it(`is found by ${strategy}`, async () => {
      for (const s of [everyTime, onlyInterleaved]) {
        const r = await explore(s, { strategy, seed: 1, iterations: 500 });
        expect(r.failure?.kind, s.name).toBe('assertion');
        expect(r.failure?.message).toMatch(/an update was lost/);
      }
    });
  }

  it('plain Node order passes the interleaved one (the bug hides there)', async () => {
    await expect(onlyInterleaved.body()).resolves.toBeUndefined();
  });
});

describe('several operations in flight in one task', () => {
  // Three non-commuting updates: two in one task's Promise.all, one in another task.
  const updates = scenario('semantics/two-in-flight', async () => {
    const x = new Shared(1, 'x');
    const other = spawn(() => x.update((v) => v * 10), 'other');
    await Promise.all([x.update((v) => v + 1), x.update((v) => v * 2)]);
    await other.join();
    return await x.get();
  }, { races: false }); // updates are atomic: they never race (the race detector does not know yet)

  it('dfs reaches exactly the final values of every order of the three updates', async () => {
    const brute = new Set<number>();
    const fs = [(v: number) => v + 1, (v: number) => v * 2, (v: number) => v * 10];
    for (const [a, b, c] of [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]) brute.add(fs[c]!(fs[b]!(fs[a]!(1))));
    const finals = new Set<number>();
    for (const r of await everyExecution(updates, 'dfs')) finals.add(r.value as number);
    expect([...finals].sort((p, q) => p - q)).toEqual([...brute].sort((p, q) => p - q));
  });

  it('each update is performed by a strand of the task that requested it, never by another task', async () => {
    for (const r of await everyExecution(updates, 'dfs')) {
      const updaters = r.trace.filter((s) => s.kind === 'rmw').map((s) => r.tasks[s.task]!.name);
      expect(updaters.sort()).toEqual(['main.rmw#1', 'main.rmw#2', 'other']);
    }
  });

  it('dpor reaches the same final values', async () => {
    const dfs = new Set((await everyExecution(updates, 'dfs')).map((r) => r.value));
    const dpor = new Set((await everyExecution(updates, 'dpor')).map((r) => r.value));
    expect(dpor).toEqual(dfs);
  });
});

describe('a detached .then', () => {
  // The body returns while the .then chain is still in flight: the execution goes on until it
  // ends, as Node's would, and the chain's writes are all performed.
  const detached = scenario('semantics/detached-then', async () => {
    const x = new Shared(0, 'x');
    const y = new Shared(0, 'y');
    const seen = { x: -1, y: -1 };
    void x.set(1).then(() => y.set(2)).then(async () => {
      seen.x = await x.get();
      seen.y = await y.get();
    });
    await x.get();
    return seen;
  }, {
    races: false,
    verify: (value) => {
      const seen = value as { x: number; y: number };
      return seen.x === 1 && seen.y === 2 ? null : { kind: 'assertion', message: `x, y = ${seen.x}, ${seen.y}: a write was dropped` };
    },
  });

  for (const strategy of STRATEGIES) {
    it(`never drops its write (${strategy})`, async () => {
      const r = await explore(detached, { strategy, seed: 1, iterations: 300 });
      expect(r.failure?.message).toBeUndefined();
    });
  }
});

describe('a rejection nothing handles', () => {
  // Plain Node ends the process on each of the failing ones ("passed" before: heddle handled
  // every rejected promise itself); the others handle the rejection before Node looks.
  const work = async () => {
    await null;
    throw new Error('background failure');
  };
  const cases: [string, () => Promise<void>, boolean][] = [
    ['fire-and-forget', async () => { void work(); await null; }, true],
    ['a .finally() alone passes the rejection on', async () => { void work().finally(() => undefined); await null; }, true],
    ['a .catch()', async () => { work().catch(() => undefined); await null; }, false],
    ['awaited later in the same run of microtasks', async () => { const p = work(); await null; await null; await p.catch(() => undefined); }, false],
    ['handled only after a timer (Node looks when its microtasks ran out)', async () => { const p = work(); await sleep(5); await p.catch(() => undefined); }, true],
    ['Promise.allSettled', async () => { await Promise.allSettled([work(), work()]); }, false],
    ['returned by the function that is awaited', async () => { await (async () => work())().catch(() => undefined); }, false],
  ];
  for (const [name, body, fails] of cases) {
    it(`${name}: ${fails ? 'an uncaught failure naming the call' : 'passes'}`, async () => {
      const r = await explore(scenario(`semantics/unhandled-${name}`, body), { strategy: 'dpor' });
      if (fails) {
        expect(r.failure?.kind).toBe('uncaught');
        expect(r.failure?.message).toMatch(/rejected with Error: background failure, and no code awaited or handled its promise \(none that heddle instruments\): Node ends the process/);
      } else {
        expect(r.failure?.message).toBeUndefined();
      }
    });
  }
});

describe('caches that only break off plain Node order', () => {
  // A token cache whose "fix" shares the refresh in flight, clears it in .finally(), and stores
  // the token after the await: between the finally's clear and that store, a caller finds
  // neither a token nor a refresh in flight, and refreshes again.
  const tokenCache = scenario('semantics/token-cache', async () => {
    let refreshes = 0;
    let token: string | null = null;
    let inflight: Promise<string> | null = null;
    const fetchToken = async () => {
      await null; // the HTTP call
      return `t${++refreshes}`;
    };
    const refresh = async () => {
      if (inflight === null) inflight = fetchToken().finally(() => {
        inflight = null;
      });
      const t = await inflight;
      token = t;
      return t;
    };
    const get = async () => (token !== null ? token : refresh());
    const late = async () => {
      await null;
      await null;
      return get();
    };
    await Promise.all([get(), late(), late()]);
    assert.equal(refreshes, 1, `the token was refreshed ${refreshes} times`);
  });

  // get-or-load: the entry is stored when the load lands; a second caller that comes before that
  // loads again. In plain Node's FIFO order the late caller runs after the first load landed.
  const getOrLoad = scenario('semantics/get-or-load', async () => {
    const cache = new Map<string, string>();
    let loads = 0;
    const load = async (key: string) => {
      loads++;
      await null;
      return `${key}!`;
    };
    const get = async (key: string) => {
      const hit = cache.get(key);
      if (hit !== undefined) return hit;
      const value = await load(key);
      cache.set(key, value);
      return value;
    };
    const first = get('k');
    const late = (async () => {
      await null;
      await null;
      await null;
      return get('k');
    })();
    await Promise.all([first, late]);
    assert.equal(loads, 1, `the loader ran ${loads} times for one key`);
  });

  it('the token cache whose fix clears inflight in .finally() is found', async () => {
    const r = await explore(tokenCache, { strategy: 'random', seed: 1, iterations: 1000 });
    expect(r.failure?.kind).toBe('assertion');
    expect((await explore(tokenCache, { strategy: 'dpor' })).failure?.kind).toBe('assertion');
  });

  it('plain Node order passes the get-or-load cache; exploration finds its late caller', async () => {
    await expect(getOrLoad.body()).resolves.toBeUndefined();
    for (const strategy of STRATEGIES) {
      const r = await explore(getOrLoad, { strategy, seed: 1, iterations: 1000 });
      expect(r.failure?.kind, strategy).toBe('assertion');
    }
  });
});

describe('an awaited thenable that is not a promise', () => {
  // The language calls its then once, in a microtask; heddle watched it with a then of its own and
  // resumed the await with it, a second call: a then with an effect ran twice.
  const once = scenario('semantics/thenable-once', async () => {
    let calls = 0;
    const thenable = { then(resolve: (v: number) => void) { calls++; resolve(1); } };
    const value = await thenable;
    assert.equal(value, 1);
    assert.equal(calls, 1, `then ran ${calls} times`);
  });

  it('has its then called once, as in plain Node, and the search says it is not a proof', async () => {
    await expect(once.body()).resolves.toBeUndefined();
    const r = await explore(once, { strategy: 'dfs' });
    expect(r.failure?.message).toBeUndefined();
    expect(r.complete).toBe(false);
  });
});

describe('awaits inside an async generator', () => {
  // Two consumers drain one queue through a generator each; the generator takes the cursor, awaits
  // (a fetch), then moves it: in plain Node's order the second consumer starts late and sees the
  // moved cursor, so every item comes once; another order of the generator's awaits delivers one
  // twice. Before, an await inside an async generator was no scheduling point: the search ran the
  // plain order only and said it was not a proof.
  const drainTwice = scenario('semantics/async-generator-cursor', async () => {
    const queue = { items: ['a', 'b', 'c'], cursor: 0 };
    async function* drain() {
      while (queue.cursor < queue.items.length) {
        const at = queue.cursor;
        await null;
        queue.cursor = at + 1;
        yield queue.items[at]!;
      }
    }
    const seen: string[] = [];
    const consume = async (late: boolean) => {
      if (late) for (let i = 0; i < 16; i++) await null;
      for await (const item of drain()) seen.push(item);
    };
    await Promise.all([consume(false), consume(true)]);
    assert.equal(new Set(seen).size, seen.length, `an item came twice: ${seen.join(' ')}`);
  });

  for (const strategy of STRATEGIES) {
    it(`plain Node's order passes; ${strategy} finds the item delivered twice`, async () => {
      await expect(drainTwice.body()).resolves.toBeUndefined();
      const r = await explore(drainTwice, { strategy, seed: 1, iterations: 1000 });
      expect(r.failure?.kind, r.coverage).toBe('assertion');
      expect(r.failure?.message).toMatch(/an item came twice/);
    });
  }
});

describe('the real clock and real randomness in plain code', () => {
  // A branch on a real Math.random() draw: DPOR said "verified: 1 trace, complete" for one that
  // failed one run in a hundred, the failing branch never taken. (Here the branch can never be
  // taken, so that this test does not fail one run in a hundred itself.)
  const rare = scenario('semantics/real-random', async () => {
    const s = { n: 0 };
    await Promise.all([(async () => { await null; if (Math.random() < 0) s.n = 1; })(), (async () => { await null; s.n += 0; })()]);
    assert.equal(s.n, 0, 'the branch ran');
  });
  const stamps = (environment: boolean) => scenario(`semantics/real-clock${environment ? '-virtual' : ''}`, async () => {
    const log: number[] = [];
    await Promise.all([(async () => { await null; log.push(Date.now()); })(), (async () => { await null; log.push(new Date().getTime()); })()]);
    assert.equal(log.length, 2);
  }, environment ? { environment: { clock: true } } : {});

  for (const strategy of ['dfs', 'dpor'] as const) {
    it(`${strategy}: a run that drew from Math.random is not a proof, and says which call`, async () => {
      const r = await explore(rare, { strategy });
      expect(r.complete).toBe(false);
      expect(r.coverage).toMatch(/Math\.random\(\) took a value heddle does not control: turn on the scenario's environment \(random\)/);
    });

    it(`${strategy}: Date.now() and new Date() read the real clock unless the environment's clock replaces them`, async () => {
      const real = await explore(stamps(false), { strategy });
      expect(real.complete).toBe(false);
      expect(real.coverage).toMatch(/Date\.now\(\)|new Date\(\)/);
      const virtual = await explore(stamps(true), { strategy });
      expect(virtual.failure?.message).toBeUndefined();
      expect(virtual.complete, virtual.coverage).toBe(true);
    });
  }
});

describe('a polling loop while another task can run', () => {
  // Plain Node ends these: the other continuation was queued before the poller's next turn. A
  // search that keeps the running task spun them to maxSteps and reported a livelock.
  const poll = scenario('semantics/poll', async () => {
    let ready = false;
    const init = async () => { await null; ready = true; };
    const waiter = async () => { while (!ready) await null; return 'ok'; };
    const [w] = await Promise.all([waiter(), init()]);
    assert.equal(w, 'ok');
  });
  // A concurrency limit that waits with Promise.race until the finished job's .finally() removes
  // it: the waiters spin on a settled race until that callback runs.
  const pool = scenario('semantics/race-pool', async () => {
    const running = new Set<Promise<void>>();
    let active = 0, peak = 0;
    const run = async () => {
      while (running.size >= 1) await Promise.race(running);
      const p = (async () => { active++; peak = Math.max(peak, active); await null; active--; })();
      running.add(p);
      void p.finally(() => running.delete(p));
      return p;
    };
    await Promise.all([run(), run(), run()]);
    assert.equal(peak, 1);
  });
  // Two tasks each waiting for the other's flag: no task can end the spin, a livelock.
  const stuck = scenario('semantics/stuck', async () => {
    const f = { a: false, b: false };
    const one = async () => { while (!f.b) await null; f.a = true; };
    const two = async () => { while (!f.a) await null; f.b = true; };
    await Promise.all([one(), two()]);
  });

  it('a spinning task lets the task that ends its spin run (dpor keeps the running task while it can)', async () => {
    const r = await explore(poll, { strategy: 'dpor', maxSchedules: 50, shrink: false });
    expect(r.failure?.message).toBeUndefined();
    const p = await explore(pool, { strategy: 'dpor', maxSchedules: 5, shrink: false });
    expect(p.failure?.message).toBeUndefined();
  });

  it('dpor proves the polling loop: every number of turns before the flag is set, up to the fairness bound', async () => {
    const r = await explore(poll, { strategy: 'dpor', shrink: false });
    expect(r.failure?.message).toBeUndefined();
    expect(r.complete).toBe(true);
    expect(r.schedulesRun).toBe(FAIR_SPIN + 1);
  });

  it('a spin no other task can end is still a livelock', async () => {
    const r = await explore(stuck, { strategy: 'dpor', maxSchedules: 1, shrink: false, maxSteps: 3000 });
    expect(r.failure?.kind).toBe('livelock');
    expect(r.failure?.message).toMatch(/without changing anything/);
  });
});
