// A DPOR search split into parts that worker threads take as they become free (DporPart): each
// part cut again after its first executions when the rule says so, the cut part's own executions
// void. Whatever the cuts, the parts that ran to their end hold every Mazurkiewicz trace once.
import { describe, expect, it } from 'vitest';
import { explore, scenario, Shared, spawn, type Scenario } from 'heddle';
import { Observing } from '../support/observing.ts';
import { namedKey } from '../support/trace-key.ts';
import { DporPart } from '../../scheduler/strategies/dpor-split.ts';
import type { PartSpec } from '../../scheduler/strategies/dpor-pivots.ts';
import { lastzero, readers } from '../../scenarios/benchmarks/programs.ts';
import { activeCount } from '../../scenarios/pool/pool.ts';
import { keyCounts } from '../fixtures/split-scenarios.ts';
import { WorkerPool } from '../../src/parallel/pool.ts';
import { PartTree } from '../../src/parallel/part-tree.ts';
import { exploreInWorkers } from '../../src/parallel/split.ts';
import { ALONE, exploreSlice, newBound, type Donated } from '../../src/parallel/protocol.ts';
import { enumerate, splitProblem } from '../support/oracle/interpreter.ts';
import { searchPlan } from '../support/oracle/heddle-run.ts';
import { FAMILIES, planText, randomPlan, type Plan } from '../support/oracle/plan.ts';

const ROOT: PartSpec = { pivots: [], depth: 0 };

/** How many pairs to cut a part of `depth` by: every part down to `depth` levels, `first` pairs at the top. */
const cutTo = (levels: number, first = 1) => (depth: number) => (depth >= levels ? 0 : depth === 0 ? first : 1);

/**
 * Runs the tree of parts one after the other, as exploreParts hands them out (PartTree): each part
 * cut as `rule` says (its executions then dropped), or stopped by a pivot that did not hold (the
 * part it was made in then runs again, what was cut from it void), the others run to their end.
 * Returns what `run` said of each part that ran to its end and is not void, and how many pivots broke.
 */
async function runParts<R>(run: (part: DporPart) => Promise<R>, rule: (depth: number) => number): Promise<{ leaves: R[]; broken: number }> {
  const tree = new PartTree<R>();
  let broken = 0;
  for (let next = tree.take(); next !== undefined; next = tree.take()) {
    const { id, spec } = next;
    const part = new DporPart({ spec, cutBy: () => rule(spec.depth) }, false, '1');
    const said = await run(part);
    expect(part.wholeNeeded(false)).toBe(false);
    if (part.brokenPivot !== null) {
      broken++;
      expect(tree.broke(id, part.brokenPivot)).toBe(true);
    } else if (part.cutInto !== null) tree.cut(id, part.cutInto);
    else tree.finish(id, said);
  }
  return { leaves: tree.results(), broken };
}

/** The traces the parts of a scenario's search explored (each part's, when it ran to its end), and how many parts did. */
async function partTraces(s: Scenario, rule: (depth: number) => number, numbers = new Map<string, number>()): Promise<{ keys: string[]; leaves: number; broken: number }> {
  const { leaves, broken } = await runParts(async (part) => {
    const mine: string[] = [];
    const r = await explore(s, { strategyInstance: new Observing(part, (x) => mine.push(namedKey(x, numbers))), iterations: 1_000_000, shrink: false });
    if (part.cutInto === null && part.brokenPivot === null) expect(r.complete).toBe(true);
    return mine;
  }, rule);
  return { keys: leaves.flat(), leaves: leaves.length, broken };
}

/** The traces of the whole search: its one part, never cut. */
async function wholeTraces(s: Scenario, numbers = new Map<string, number>()): Promise<string[]> {
  return (await partTraces(s, () => 0, numbers)).keys;
}

describe('dpor parts', () => {
  for (const [name, s, count] of [['lastzero(5)', lastzero(5), 64], ['readers(4)', readers(4), 16]] as const) {
    it(`${name}: the parts of a search cut three levels deep are its traces, each once`, async () => {
      const whole = await wholeTraces(s);
      expect(whole).toHaveLength(count);
      for (const rule of [cutTo(1), cutTo(3), cutTo(3, 2)]) {
        const { keys, leaves } = await partTraces(s, rule);
        expect(leaves).toBeGreaterThan(1);
        expect(keys).toHaveLength(count);
        expect(new Set(keys)).toEqual(new Set(whole));
      }
    });
  }

  it('under instrumentation: the seed pool\'s search cut four levels deep is its traces, each once', async () => {
    const s = activeCount.find((x) => x.name === 'pool/active-count.fixed')!;
    const whole = await wholeTraces(s);
    const { keys, leaves } = await partTraces(s, cutTo(4));
    expect(keys).toHaveLength(whole.length);
    expect(new Set(keys)).toEqual(new Set(whole));
    expect(leaves).toBeGreaterThan(4);
  });

  it('pairs on tasks made after the first choice, named by their makers: the parts are the traces, each once', async () => {
    // The launchers only read (they commute); the workers each launches later race on x.
    const late = scenario('late-workers', async () => {
      const go = new Shared(0, 'go');
      const x = new Shared(0, 'x');
      const launch = (k: number) => spawn(async () => {
        await go.get();
        const worker = spawn(async () => {
          for (let i = 0; i < 2; i++) await x.set((await x.get()) + 1);
        }, `worker${k}`);
        await worker.join();
      }, `launcher${k}`);
      const launchers = [launch(1), launch(2)];
      for (const l of launchers) await l.join();
    });
    const numbers = new Map<string, number>();
    const whole = await wholeTraces(late, numbers);
    // The workers' four steps on x each (read, write, read, write), interleaved, two reads of x commuting.
    expect(whole).toHaveLength(34);
    const cut: PartSpec[] = [];
    const { keys, leaves } = await partTraces(late, cutTo(3), numbers);
    expect(leaves).toBeGreaterThan(4);
    expect(keys).toHaveLength(34);
    expect(new Set(keys)).toEqual(new Set(whole));
    await runParts(async (part) => {
      await explore(late, { strategyInstance: part, iterations: 1_000_000, shrink: false });
      if (part.cutInto !== null) cut.push(...part.cutInto);
    }, cutTo(1));
    // Named by their makers (task 0/1/0: the first task made by the second task main made), not by ids each part numbers anew.
    expect(cut[0]!.pivots.map((p) => [p.first.task, p.second.task].sort())).toEqual([['task 0/0/0', 'task 0/1/0']]);
  });

  it('a pivot that does not hold in every execution: the part it was made in runs again without it; the traces are the same, each once', async () => {
    const s = keyCounts(['a', 'b']);
    const numbers = new Map<string, number>();
    const whole = await wholeTraces(s, numbers);
    expect(whole).toHaveLength(60);
    const { keys, leaves, broken } = await partTraces(s, cutTo(3), numbers);
    expect(broken).toBeGreaterThan(0);
    expect(leaves).toBeGreaterThan(1);
    expect(keys).toHaveLength(60);
    expect(new Set(keys)).toEqual(new Set(whole));
  });

  it('--workers 2 on a search whose pivots break: the unsplit trace count, verified', async () => {
    const two = await exploreInWorkers({ file: 'test/fixtures/split-scenarios.ts', scenario: 'split/key-counts-2', options: { strategy: 'dpor' }, count: 2 });
    expect(two.schedulesRun).toBe(60);
    expect(two.coverage).toMatch(/^verified: 60 traces over (1 worker|2 workers), complete$/);
  });

  it('--workers 2 explores the unsplit trace count and says over how many workers it verified them', async () => {
    const s = activeCount.find((x) => x.name === 'pool/active-count.fixed')!;
    const one = await explore(s, { strategy: 'dpor' });
    const two = await exploreInWorkers({ file: 'scenarios/pool/pool.ts', scenario: s.name, options: { strategy: 'dpor' }, count: 2 });
    expect(two.schedulesRun).toBe(one.schedulesRun);
    expect(two.complete).toBe(true);
    // The second worker joins a search that outlasts its start-up (or at once, with a core to spare): either may have run it.
    expect(two.coverage).toMatch(new RegExp(`^verified: ${one.schedulesRun} traces over (1 worker|2 workers), complete$`));
  });

  it('a worker booted before the search takes parts at once; the traces are the same', async () => {
    const s = activeCount.find((x) => x.name === 'pool/active-count.fixed')!;
    const one = await explore(s, { strategy: 'dpor' });
    const pool = new WorkerPool();
    try {
      pool.warm(2);
      expect(await Promise.all([pool.whenBooted(0), pool.whenBooted(1)])).toEqual([null, null]);
      expect(pool.booted(1)).toBe(true);
      const two = await exploreInWorkers({ file: 'scenarios/pool/pool.ts', scenario: s.name, options: { strategy: 'dpor' }, count: 2 }, undefined, pool);
      expect(two.schedulesRun).toBe(one.schedulesRun);
      expect(two.coverage).toBe(`verified: ${one.schedulesRun} traces over 2 workers, complete`);
    } finally {
      await pool.close();
    }
    expect(await pool.whenBooted(1)).toBe('the worker pool is closed');
  });

  it('a part is cut again when no part waits; while its thread is alone, only one cut fewer than 2 times', async () => {
    const s = lastzero(5);
    const waiting = new SharedArrayBuffer(4);
    const flag = new Int32Array(waiting);
    const part = (spec: PartSpec) => exploreSlice(s, { strategy: 'dpor', shrink: false }, 0, 2, new BigInt64Array(newBound()), { spec, waiting });
    // The whole search is always cut (two pairs: four parts), whatever waits.
    flag[0] = 3;
    const root = await part(ROOT);
    expect(root.cut).toHaveLength(4);
    const depth1 = root.cut![root.cut!.length - 1]!;
    const cutAt = async (spec: PartSpec, value: number) => {
      flag[0] = value;
      return (await part(spec)).cut;
    };
    expect(await cutAt(depth1, 1)).toBeUndefined(); // a part waits: run to the end
    expect(await cutAt(depth1, 0)).toHaveLength(2); // none waits, another thread runs: cut for it
    const depth2 = (await cutAt(depth1, ALONE))!;
    expect(depth2).toHaveLength(2); // alone, depth 1: cut for the threads to come
    expect(await cutAt(depth2[1]!, ALONE)).toBeUndefined(); // alone, depth 2: parts enough
    expect(await cutAt(depth2[1]!, 0)).toHaveLength(2);
  });

  it('a part asked for work gives a part away and goes on without its own executions lost: the two are its traces', async () => {
    const s = lastzero(5);
    const waiting = new SharedArrayBuffer(4);
    new Int32Array(waiting)[0] = 1; // a part waits: not cut
    const explorePart = (spec: PartSpec, asks?: SharedArrayBuffer, onDonated?: (d: Donated) => void) =>
      exploreSlice(s, { strategy: 'dpor', shrink: false }, 0, 2, new BigInt64Array(newBound()), { spec, waiting, ...(asks ? { asks: { flags: asks, slot: 1 } } : {}) }, onDonated);
    const root = await explorePart(ROOT);
    const part = root.cut![root.cut!.length - 1]!;
    const alone = await explorePart(part);
    const asks = new SharedArrayBuffer(8);
    new Int32Array(asks)[1] = 1;
    const gave: Donated[] = [];
    const donor = await explorePart(part, asks, (d) => gave.push(d));
    expect(gave).toHaveLength(1); // asked once: the flag is cleared when it gives
    expect(new Int32Array(asks)[1]).toBe(0);
    const { kept, given } = gave[0]!;
    expect(kept.pivots.slice(0, -1)).toEqual(part.pivots);
    expect(given.pivots.slice(0, -1)).toEqual(part.pivots);
    const [mine, theirs] = [kept.pivots.at(-1)!, given.pivots.at(-1)!];
    expect([theirs.first, theirs.second, theirs.firstMustOccur]).toEqual([mine.second, mine.first, true]);
    const other = await explorePart(given);
    expect(donor.complete && other.complete).toBe(true);
    expect(other.schedulesRun).toBeGreaterThan(0);
    expect(donor.schedulesRun + other.schedulesRun).toBe(alone.schedulesRun);
  });
});

// Against the independent oracle (test/support/oracle): the reference interpreter's classes,
// computed with its own dependence, must be the union of the parts' explored executions, each once.
const PART_PLANS = 40;

/** How a family's plans were cut: run whole (no qualifying pair, or the search ended within its first executions) or cut; pivots that broke (their parts run again). */
let tally = { uncut: 0, cut: 0, broken: 0 };

async function partsAgainstOracle(plan: Plan, rule: (depth: number) => number): Promise<string | null> {
  const classes = enumerate(plan).classes;
  const { leaves, broken } = await runParts(async (part) => searchPlan(plan, part), rule);
  tally[leaves.length > 1 ? 'cut' : 'uncut']++;
  tally.broken += broken;
  if (leaves.some((search) => !search.complete)) return 'a part did not complete';
  const seen = new Map<string, number>();
  for (const r of leaves.flatMap((search) => search.runs)) seen.set(r.key, (seen.get(r.key) ?? 0) + 1);
  return splitProblem(classes, seen, `${leaves.length} parts`);
}

describe('dpor parts against the interpreter: the parts that ran to their end are every class, each once', () => {
  for (const family of FAMILIES) {
    it(`${family}: ${PART_PLANS} random plans cut 2 and 3 levels deep`, async () => {
      const broken: string[] = [];
      tally = { uncut: 0, cut: 0, broken: 0 };
      for (let seed = 1; seed <= PART_PLANS; seed++) {
        const plan = randomPlan(family, seed, 7 + (seed % 4));
        for (const rule of [cutTo(2), cutTo(3, 2)]) {
          const why = await partsAgainstOracle(plan, rule);
          if (why !== null) broken.push(`  ${planText(plan)}\n      ${why}`);
        }
      }
      console.log(`${family}: ${JSON.stringify(tally)}`);
      expect(broken, broken.join('\n')).toEqual([]);
      // Not vacuous: many plans were cut into parts (measured: 32 to 78 of the 80 searches per family; the others end within their first executions).
      expect(tally.cut).toBeGreaterThan(PART_PLANS / 2);
    }, 240_000);
  }
});
