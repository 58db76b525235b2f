// DPOR over plain code (awaits and plain objects, no heddle primitives): one execution per
// Mazurkiewicz trace and none cut short by sleep sets, as over heddle's primitives. The objects
// the tasks share are made by the main task before the tasks first touch them, in an order of
// first touches that differs from one execution to the next: DPOR must still tell which of them
// a step of another execution touches (their locations are named by the step that made them,
// not by the order of first use, see scheduler/memory.ts). The oracle for the count is DFS,
// which uses no dependence: the traces of these programs are told apart by what their reads
// return, so the distinct outcomes DFS sees are the traces.
import { describe, expect, it } from 'vitest';
import { explore, scenario, type Scenario } from 'heddle';
import { makeStrategy } from '../../src/strategies.ts';
import type { ExecutionResult } from '../../scheduler/types.ts';
import { Observing } from '../support/observing.ts';

// The main task waits for the tasks either by awaiting each one's promise in turn or with one
// `await Promise.all(tasks)`: its resumption after Promise.all is ordered after every input's
// settling (an await of each), not only after the one that settled last — with the last alone,
// its final reads raced with the other tasks' writes and DPOR planned reversals that could not
// run (3 executions cut short in lastzero(3)).

/** Where a lastzero variant keeps its cells and its logs of the values read. */
interface Cells {
  get(i: number): number;
  set(i: number, v: number): void;
  log(j: number, x: number): void;
}

/**
 * The tasks of lastzero(N) over `cells`: a reader scans cells N..0 for the last zero while writers
 * j = 1..N set cell j := cell j−1 + 1, each access after an await; every value read is logged.
 */
function lastzeroTasks(n: number, cells: Cells): Promise<void>[] {
  const reader = async () => {
    for (let i = n; ; i--) {
      await null;
      const v = cells.get(i);
      cells.log(0, v);
      if (v === 0) break;
    }
  };
  const writer = async (j: number) => {
    await null;
    const x = cells.get(j - 1);
    cells.log(j, x);
    await null;
    cells.set(j, x + 1);
  };
  return [reader(), ...Array.from({ length: n }, (_, j) => writer(j + 1))];
}

/**
 * lastzero(N) in plain code, each cell a plain object: (N + 3)·2^(N−2) traces (the DPOR
 * literature's count for the same program).
 */
function plainLastzero(n: number, objects: 'literals' | 'parsed' | 'unnamed' = 'literals', joinAll = false): Scenario {
  return scenario(`plain/lastzero-${n}-${objects}${joinAll ? '-all' : ''}`, async () => {
    // parsed: the cells and logs made by JSON.parse, named as the parse makes them. unnamed: made
    // by JSON.parse with a reviver, which may return any object: heddle does not name what it
    // returns, so their locations get ids at their first use only, and DPOR keeps wildcards for them.
    const make = <T>(value: T): T => objects === 'literals' ? value
      : objects === 'parsed' ? JSON.parse(JSON.stringify(value)) : JSON.parse(JSON.stringify(value), (_k, v: unknown) => v);
    const a: { v: number }[] = make(Array.from({ length: n + 1 }, () => ({ v: 0 })));
    const seen: number[][] = make(Array.from({ length: n + 1 }, () => []));
    const tasks = lastzeroTasks(n, { get: (i) => a[i]!.v, set: (i, v) => void (a[i]!.v = v), log: (j, x) => void seen[j]!.push(x) });
    if (joinAll) await Promise.all(tasks);
    else for (const t of tasks) await t;
    return JSON.stringify(seen);
  }, { races: false });
}

/**
 * indexer(N) in plain code: N tasks each insert 4 messages into a table of 128 plain cells, a
 * read and (if free) a write in one step, probing on a collision. 8 and 64 traces for N = 12, 13
 * (Flanagan and Godefroid, POPL 2005).
 */
function plainIndexer(n: number): Scenario {
  return scenario(`plain/indexer-${n}`, async () => {
    const table = Array.from({ length: 128 }, () => ({ v: 0 }));
    const insert = async (tid: number) => {
      for (let m = 1; m <= 4; m++) {
        const w = m * 11 + tid;
        for (let h = (w * 7) % 128; ; h = (h + 1) % 128) {
          await null;
          if (table[h]!.v === 0) {
            table[h]!.v = w;
            break;
          }
        }
      }
    };
    for (const t of Array.from({ length: n }, (_, tid) => insert(tid))) await t;
  }, { races: false });
}

/** readers(N) in plain code: one task writes x.v, N tasks read it. 2^N traces. */
function plainReaders(n: number): Scenario {
  return scenario(`plain/readers-${n}`, async () => {
    const x = { v: 0 };
    const seen = Array.from({ length: n }, () => ({ v: -1 })); // (an array is one location: one object per reader)
    const tasks = [(async () => { await null; x.v = 1; })()];
    for (let i = 0; i < n; i++) tasks.push((async () => { await null; seen[i]!.v = x.v; })());
    for (const t of tasks) await t;
    return seen.map((s) => s.v).join();
  }, { races: false });
}

/**
 * lastzero(N) with the cells and logs class instances: a fresh instance is named by the step that
 * made it, as a literal is (rewrite.ts gives a base class's instances a birth before any field or
 * constructor touches them). Before that, their fields were named at first use: lastzero(3) ran
 * 16 executions for its 12 traces.
 */
class Cell {
  v = 0;
}
class Log {
  readonly seen: number[] = [];
  constructor(readonly owner: number) {}
  add(x: number): void {
    this.seen.push(x);
  }
}
function classLastzero(n: number): Scenario {
  return scenario(`plain/lastzero-${n}-classes`, async () => {
    const a = Array.from({ length: n + 1 }, () => new Cell());
    const logs = Array.from({ length: n + 1 }, (_, j) => new Log(j));
    await Promise.all(lastzeroTasks(n, { get: (i) => a[i]!.v, set: (i, v) => void (a[i]!.v = v), log: (j, x) => logs[j]!.add(x) }));
    return JSON.stringify(logs.map((l) => l.seen));
  }, { races: false });
}

/**
 * lastzero(N) with the cells as entries of one Map keyed by objects (one literal per cell): an
 * entry keyed by an object made in the execution is named by the key's birth (scheduler/memory.ts).
 * Before, such entries were named at first use: lastzero(3) ran 16 executions for its 12 traces.
 */
function mapLastzero(n: number): Scenario {
  return scenario(`plain/lastzero-${n}-map`, async () => {
    const keys = Array.from({ length: n + 1 }, (_, i) => ({ cell: i }));
    const cells = new Map<object, number>();
    for (const k of keys) cells.set(k, 0);
    const seen = Array.from({ length: n + 1 }, () => [] as number[]);
    await Promise.all(lastzeroTasks(n, { get: (i) => cells.get(keys[i]!)!, set: (i, v) => void cells.set(keys[i]!, v),
      log: (j, x) => void seen[j]!.push(x) }));
    return JSON.stringify(seen);
  }, { races: false });
}

/**
 * A Map's entries against its set of keys: setting a key it has changes a value, not the keys;
 * reading the values (values(), iteration, forEach, a deep read) reads every entry; size and keys()
 * read the keys only. Every order of each reader against each writer shows in the outcome.
 */
function mapViews(): Scenario {
  return scenario('plain/map-views', async () => {
    const m = new Map<string, number>([['a', 1], ['b', 1]]);
    const out: string[] = ['', '', '', ''];
    const t = (f: () => void) => (async () => {
      await null;
      f();
    })();
    await Promise.all([
      t(() => void m.set('a', 2)),
      t(() => void m.delete('b')),
      t(() => void m.set('c', 3)),
      t(() => (out[0] = [...m.values()].join())),
      t(() => (out[1] = String(m.size))),
      t(() => m.forEach((v, k) => (out[2] += `${k}${v}`))),
      t(() => (out[3] = JSON.stringify(structuredClone(m).get('a')))),
    ]);
    return out.join('|');
  }, { races: false });
}

/**
 * A loop over a Map, an array and a Set whose body awaits: each next() of the iterator runs in the
 * step the previous iteration's await resumed in, and sees what other tasks did meanwhile — so each
 * iteration reads, in its own step, the entry it takes (and the set of keys). Read once at the
 * loop's head, DPOR took the later iterations for independent of a concurrent write.
 */
function iterateAcrossAwaits(): Scenario {
  return scenario('plain/iterate-across-awaits', async () => {
    const m = new Map([['a', 0], ['b', 0]]);
    const xs = [0, 0];
    const set = new Set(['a', 'b']);
    const seen: string[] = [];
    const reader = (async () => {
      for (const [k, v] of m) {
        await null;
        seen.push(`${k}${v}`);
      }
      for (const x of xs) {
        await null;
        seen.push(`x${x}`);
      }
      for (const k of set) {
        await null;
        seen.push(`s${k}`);
      }
      for (const v of m.values()) {
        await null;
        seen.push(`v${v}`);
      }
    })();
    const writer = (async () => {
      await null;
      await null;
      m.set('b', 1);
      xs[1] = 1;
      set.delete('b');
      await null;
      await null;
      await null;
      m.set('b', 2);
    })();
    await Promise.all([reader, writer]);
    return seen.join();
  }, { races: false });
}

/** `new Map(m)`, `new Set(xs)`: the constructor reads its argument as a whole, as a spread would. */
function copiedByConstructor(): Scenario {
  return scenario('plain/copied-by-constructor', async () => {
    const shared = new Map([['a', 1]]);
    const xs = [1];
    let copies = '';
    await Promise.all([
      (async () => {
        await null;
        shared.set('a', 2);
        xs[0] = 2;
      })(),
      (async () => {
        await null;
        copies = `${new Map(shared).get('a')} ${[...new Set(xs)].join()}`;
      })(),
    ]);
    return copies;
  }, { races: false });
}

/** `for await` over an array: each next() runs after the previous element's await, in a later step. */
function forAwaitArray(): Scenario {
  return scenario('plain/for-await-array', async () => {
    const xs = [0, 0];
    const seen: number[] = [];
    let started = false;
    await Promise.all([
      (async () => {
        await null;
        started = true;
        for await (const x of xs) seen.push(x);
      })(),
      (async () => {
        await null;
        if (started) xs[1] = 1;
      })(),
    ]);
    return seen.join();
  }, { races: false });
}

async function search(s: Scenario, strategy: 'dfs' | 'dpor') {
  const outcomes = new Set<string>();
  const r = await explore(s, { strategyInstance: new Observing(makeStrategy(strategy, { seed: '1' }), (e: ExecutionResult) => void outcomes.add(String(e.value))),
    shrink: false, iterations: 1e9 });
  expect(r.failure?.message).toBeUndefined();
  expect(r.complete, r.coverage).toBe(true);
  return { traces: r.schedulesRun, blocked: r.pruned, outcomes };
}

/**
 * One property written and read under different spellings of its key: `o[1]`, `o['1']`, `o[k]`
 * with a number, a string or an object whose string is the key. JavaScript turns every key of a
 * plain object into a string (or a symbol), so these are one location; heddle took them for two
 * and DPOR proved the program with fewer traces than it has. The outcomes: each read before or
 * after its write (4).
 */
function sameKeyTwoSpellings(): Scenario {
  return scenario('plain/same-key-two-spellings', async () => {
    const o: Record<string, number> = {};
    const key = { toString: () => '2' };
    const seen: (number | undefined)[] = [undefined, undefined];
    const writer = (async () => {
      await null;
      o[1] = 1;
      await null;
      o['2'] = 2;
    })();
    const reader = (async () => {
      await null;
      seen[0] = o['1'];
      await null;
      seen[1] = o[key as unknown as string];
    })();
    await writer;
    await reader;
    return JSON.stringify(seen);
  }, { races: false });
}

describe('dpor over plain code: one execution per trace, none cut short', () => {
  it("a property written as o[1] and read as o['1'] is one location: dpor reaches every outcome dfs reaches", async () => {
    const dfs = await search(sameKeyTwoSpellings(), 'dfs');
    const dpor = await search(sameKeyTwoSpellings(), 'dpor');
    expect(dfs.outcomes.size).toBe(4);
    expect([...dpor.outcomes].sort()).toEqual([...dfs.outcomes].sort());
  });

  for (const n of [2, 3]) {
    it(`plain lastzero(${n}): as many executions as DFS sees traces, the same outcomes, none cut short`, async () => {
      const dfs = await search(plainLastzero(n), 'dfs');
      const dpor = await search(plainLastzero(n), 'dpor');
      expect(dfs.outcomes.size).toBe((n + 3) * 2 ** (n - 2));
      expect([...dpor.outcomes].sort()).toEqual([...dfs.outcomes].sort());
      expect(dpor.traces).toBe(dfs.outcomes.size);
      expect(dpor.blocked).toBe(0);
    });
  }

  // With the shared objects made where heddle cannot name them, DPOR missed the outcome
  // [[1,1,0],[0],[0],[0]] of the 12 DFS reaches (15 executions, 1 cut short): a wildcard
  // (rememberEvent) made an explored branch look dependent on a one-step sequence, which became a
  // leaf after it though that branch's task was a weak initial of it; the leaf then covered, by
  // the leaf rule, the sequence to the missing trace, and when it ran, that task slept and the
  // race to it was dropped. Such leaves now cover nothing (UNCERTAIN nodes, WakeupTree.insert):
  // 16 executions, none cut short.
  it('plain lastzero(3) with unnamed objects: DPOR reaches every outcome DFS reaches', async () => {
    const dfs = await search(plainLastzero(3, 'unnamed'), 'dfs');
    const dpor = await search(plainLastzero(3, 'unnamed'), 'dpor');
    expect(dfs.outcomes.size).toBe(12);
    expect([...dpor.outcomes].sort()).toEqual([...dfs.outcomes].sort());
  });

  // Larger: before the fix above, 24 of 28 and 52 of 64 outcomes (3 and 7 executions cut short).
  // The oracle is the literature's count of traces, each with an outcome of its own.
  for (const n of [4, 5]) {
    it(`plain lastzero(${n}) with unnamed objects: all ${(n + 3) * 2 ** (n - 2)} outcomes`, async () => {
      const dpor = await search(plainLastzero(n, 'unnamed'), 'dpor');
      expect(dpor.outcomes.size).toBe((n + 3) * 2 ** (n - 2));
      expect(dpor.traces).toBeGreaterThan(dpor.outcomes.size); // the objects are unnamed indeed: wildcards cost repeats
    });
  }

  // Before the plain objects' locations were named by the step that made them: 34 executions
  // and 2 cut short for N = 4, 72 and 6 for N = 5.
  it('plain lastzero(3) over class instances: exactly 12 executions, the outcomes DFS sees, none cut short', async () => {
    const dfs = await search(classLastzero(3), 'dfs');
    const dpor = await search(classLastzero(3), 'dpor');
    expect(dfs.outcomes.size).toBe(12);
    expect([...dpor.outcomes].sort()).toEqual([...dfs.outcomes].sort());
    expect(dpor.traces).toBe(12);
    expect(dpor.blocked).toBe(0);
  });

  // (DFS over lastzero(4) takes seconds: the literature's count is the oracle.)
  it('plain lastzero(4) over class instances: exactly 28 executions, each a trace of its own, none cut short', async () => {
    const dpor = await search(classLastzero(4), 'dpor');
    expect(dpor.traces).toBe(28);
    expect(dpor.outcomes.size).toBe(28);
    expect(dpor.blocked).toBe(0);
  });

  it('new Map(m) and new Set(xs) read their argument: dpor reaches every outcome dfs reaches', async () => {
    const dfs = await search(copiedByConstructor(), 'dfs');
    const dpor = await search(copiedByConstructor(), 'dpor');
    expect(dfs.outcomes.size).toBe(2);
    expect([...dpor.outcomes].sort()).toEqual([...dfs.outcomes].sort());
  });

  it('for await over an array reads each element it takes in its own step: dpor reaches every outcome dfs reaches', async () => {
    const dfs = await search(forAwaitArray(), 'dfs');
    const dpor = await search(forAwaitArray(), 'dpor');
    expect(dfs.outcomes.size).toBe(2);
    expect([...dpor.outcomes].sort()).toEqual([...dfs.outcomes].sort());
  });

  it('a loop whose body awaits reads each entry it takes in its own step: dpor reaches every outcome dfs reaches', async () => {
    const dfs = await search(iterateAcrossAwaits(), 'dfs');
    const dpor = await search(iterateAcrossAwaits(), 'dpor');
    expect([...dpor.outcomes].sort()).toEqual([...dfs.outcomes].sort());
  });

  it("a Map's values, keys and size against set and delete: dpor reaches every outcome dfs reaches", async () => {
    const dfs = await search(mapViews(), 'dfs');
    const dpor = await search(mapViews(), 'dpor');
    expect([...dpor.outcomes].sort()).toEqual([...dfs.outcomes].sort());
    expect(dpor.blocked).toBe(0);
  });

  it('plain lastzero(3) over Map entries keyed by objects: exactly 12 executions, the outcomes DFS sees, none cut short', async () => {
    const dfs = await search(mapLastzero(3), 'dfs');
    const dpor = await search(mapLastzero(3), 'dpor');
    expect(dfs.outcomes.size).toBe(12);
    expect([...dpor.outcomes].sort()).toEqual([...dfs.outcomes].sort());
    expect(dpor.traces).toBe(12);
    expect(dpor.blocked).toBe(0);
  });

  // Before JSON.parse's results were named where the parse made them: 16 and 36 executions.
  for (const n of [3, 4]) {
    it(`plain lastzero(${n}) over objects JSON.parse made: exactly ${(n + 3) * 2 ** (n - 2)} executions, none cut short`, async () => {
      const dpor = await search(plainLastzero(n, 'parsed'), 'dpor');
      expect(dpor.traces).toBe((n + 3) * 2 ** (n - 2));
      expect(dpor.outcomes.size).toBe(dpor.traces);
      expect(dpor.blocked).toBe(0);
    });
  }

  for (const n of [3, 4]) {
    it(`plain lastzero(${n}) joined by Promise.all: exactly ${(n + 3) * 2 ** (n - 2)} executions, none cut short`, async () => {
      const dpor = await search(plainLastzero(n, 'literals', true), 'dpor');
      expect(dpor.traces).toBe((n + 3) * 2 ** (n - 2));
      expect(dpor.outcomes.size).toBe(dpor.traces);
      expect(dpor.blocked).toBe(0);
    });
  }

  for (const n of [4, 5]) {
    it(`plain lastzero(${n}): exactly ${(n + 3) * 2 ** (n - 2)} executions, each a trace of its own, none cut short`, async () => {
      const dpor = await search(plainLastzero(n), 'dpor');
      expect(dpor.traces).toBe((n + 3) * 2 ** (n - 2));
      expect(dpor.outcomes.size).toBe(dpor.traces);
      expect(dpor.blocked).toBe(0);
    });
  }

  for (const n of [3, 4]) {
    it(`plain readers(${n}): ${2 ** n} executions as DFS sees ${2 ** n} traces, none cut short`, async () => {
      const dfs = await search(plainReaders(n), 'dfs');
      const dpor = await search(plainReaders(n), 'dpor');
      expect(dfs.outcomes.size).toBe(2 ** n);
      expect([...dpor.outcomes].sort()).toEqual([...dfs.outcomes].sort());
      expect(dpor.traces).toBe(2 ** n);
      expect(dpor.blocked).toBe(0);
    });
  }

  for (const [n, traces] of [[12, 8], [13, 64]] as const) {
    it(`plain indexer(${n}): exactly ${traces} executions, none cut short`, async () => {
      const dpor = await search(plainIndexer(n), 'dpor');
      expect(dpor.traces).toBe(traces);
      expect(dpor.blocked).toBe(0);
    });
  }
});
