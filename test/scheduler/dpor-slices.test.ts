// A DPOR search split into slices (worker threads, --shard i/n) explores each Mazurkiewicz trace
// exactly once across the slices: the same set of traces as the unsplit search.
import { describe, expect, it } from 'vitest';
import { explore, type Scenario } from 'heddle';
import { Observing } from '../support/observing.ts';
import { traceKey } from '../support/trace-key.ts';
import { toEvents } from '../../scheduler/dependence.ts';
import { dporSearch } from '../../scheduler/strategies/dpor-split.ts';
import { indexer, lastzero, lostUpdate, readers } from '../../scenarios/benchmarks/programs.ts';
import { exploreInWorkers } from '../../src/parallel/split.ts';
import { doubleCreate } from '../../scenarios/registry/registry.ts';
import { enumerate, splitProblem } from '../support/oracle/interpreter.ts';
import { searchPlan } from '../support/oracle/heddle-run.ts';
import { FAMILIES, parsePlan, planText, randomPlan, type Plan } from '../support/oracle/plan.ts';

async function traces(s: Scenario, slice?: { index: number; count: number }): Promise<string[]> {
  const keys: string[] = [];
  const t = new Observing(dporSearch(slice, false, '1'), (r) => keys.push(traceKey(toEvents(r.trace))));
  const r = await explore(s, { strategyInstance: t, iterations: 1_000_000, shrink: false });
  expect(r.complete).toBe(true);
  return keys;
}

describe('dpor slices', () => {
  for (const [name, s, count] of [['lastzero(4)', lastzero(4), 28], ['lastzero(5)', lastzero(5), 64], ['readers(4)', readers(4), 16]] as const) {
    it(`the union of slices 1/3, 2/3, 3/3 of ${name} is the unsplit trace set, each trace once`, async () => {
      const whole = await traces(s);
      expect(whole).toHaveLength(count);
      expect(new Set(whole).size).toBe(count);
      const parts = [];
      for (let index = 0; index < 3; index++) parts.push(await traces(s, { index, count: 3 }));
      const union = parts.flat();
      expect(union).toHaveLength(count); // no trace twice
      expect(new Set(union)).toEqual(new Set(whole));
    });
  }

  it('under instrumentation too: a get-or-create registry splits into its traces, half in each slice', async () => {
    // What a task does after its first lock depends on what it read: the pivots are the two
    // tasks' first locks, which every execution has (PivotGate checks it as the slices run).
    const s = doubleCreate.find((x) => x.name === 'registry/double-create.fixed')!;
    const whole = await traces(s);
    const parts = [await traces(s, { index: 0, count: 2 }), await traces(s, { index: 1, count: 2 })];
    expect(whole.length).toBeGreaterThan(1);
    expect(parts.flat()).toHaveLength(whole.length);
    expect(new Set(parts.flat())).toEqual(new Set(whole));
    expect(parts.map((p) => p.length)).toEqual([whole.length / 2, whole.length / 2]);
  });

  it('the slices even out: lastzero(8) over 2, 3 and 4 slices, no slice with more than half the traces, nothing pruned', async () => {
    const whole = (await explore(lastzero(8), { strategy: 'dpor' })).schedulesRun;
    for (const count of [2, 3, 4]) {
      const slices = [];
      for (let index = 0; index < count; index++) slices.push(await explore(lastzero(8), { strategy: 'dpor', shard: { index, count } }));
      expect(slices.reduce((n, r) => n + r.schedulesRun, 0)).toBe(whole);
      expect(slices.every((r) => r.pruned === 0 && r.schedulesRun <= whole / 2)).toBe(true);
    }
  });

  it('a slice whose pivot pairs do not conflict in some execution hands the search back whole', async () => {
    // indexer(13)'s third pair (split in 4: ⌈log2 4⌉ + 1 pairs) is a hash-table step that touches
    // another bucket when an earlier insert collided: the pair commutes there, and the part that
    // meets it gives way to the whole search, which each slice then reports.
    for (let index = 0; index < 4; index++) {
      const r = await explore(indexer(13), { strategy: 'dpor', shard: { index, count: 4 } });
      expect(r.schedulesRun).toBe(64);
      expect(r.whole).toBe(true);
      expect(r.coverage).toBe('verified: 64 traces, complete (the whole search: the pivots that split it do not hold for this scenario)');
    }
  });

  it('--shard: a slice that finds a failure reports the whole search\'s first failure', async () => {
    const whole = await explore(lostUpdate(3), { strategy: 'dpor' });
    for (let index = 0; index < 2; index++) {
      const r = await explore(lostUpdate(3), { strategy: 'dpor', shard: { index, count: 2 } });
      expect(r.failure?.token).toBe(whole.failure?.token);
      expect(r.failureIndex).toBe(whole.failureIndex);
    }
  });

  it('--shard through explore: the slice counts add up to the whole, and each slice says what it verified', async () => {
    let total = 0;
    for (let index = 0; index < 3; index++) {
      const r = await explore(lastzero(5), { strategy: 'dpor', shard: { index, count: 3 } });
      total += r.schedulesRun;
      // A slice that passes proves its own part only: said, not "verified: 0 traces, complete".
      expect(r.coverage).toMatch(new RegExp(`^verified: [\\d,]+ traces? of slice ${index + 1}/3, complete$`));
    }
    expect(total).toBe(64);
  });

  it('--workers 2 finds the same first failure as one thread', async () => {
    const one = await explore(lostUpdate(3), { strategy: 'dpor' });
    const two = await exploreInWorkers({ file: 'scenarios/benchmarks/programs.ts', scenario: 'benchmarks/lost-update-2', options: { strategy: 'dpor' }, count: 2 });
    const oneOf2 = await explore(lostUpdate(2), { strategy: 'dpor' });
    expect(one.failure?.kind).toBe('assertion');
    expect(two.failure?.token).toBe(oneOf2.failure?.token);
    expect(two.failureIndex).toBe(oneOf2.failureIndex);
  });
});

// The same property against the independent oracle (test/support/oracle): the reference
// interpreter's Mazurkiewicz classes, computed with its own dependence, must be the union of the
// slices' explored executions, each class in exactly one slice and once there.
/** Random plans per family split into 2 and into 3 slices. */
const SPLIT_PLANS = 40;

/** What is wrong with the slices of a plan's search, or null: a class missed, one explored twice, or a slice not complete. */
async function slicesAgainstOracle(plan: Plan, count: number): Promise<string | null> {
  const classes = enumerate(plan).classes;
  const seen = new Map<string, number>();
  for (let index = 0; index < count; index++) {
    const search = await searchPlan(plan, dporSearch({ index, count }, false, '1'));
    if (!search.complete) return `slice ${index + 1}/${count} did not complete`;
    for (const run of search.runs) seen.set(run.key, (seen.get(run.key) ?? 0) + 1);
  }
  return splitProblem(classes, seen, `${count} slices`);
}

describe('dpor slices against the interpreter: the union of the slices is every class, each once', () => {
  for (const family of FAMILIES) {
    it(`${family}: ${SPLIT_PLANS} random plans, 2 and 3 slices`, async () => {
      const broken: string[] = [];
      for (let seed = 1; seed <= SPLIT_PLANS; seed++) {
        const plan = randomPlan(family, seed, 5 + (seed % 4));
        for (const count of [2, 3]) {
          const why = await slicesAgainstOracle(plan, count);
          if (why !== null) broken.push(`  ${planText(plan)}\n      ${why}`);
        }
      }
      expect(broken, broken.join('\n')).toEqual([]);
    }, 120_000);
  }

  it('the check is not vacuous: on a plan whose first steps conflict, both slices explore classes', async () => {
    // A split that left every class to slice 1 would pass the property above vacuously (the split
    // before pivots cut at the first branching step, whose choices usually commute, and did).
    const plan = parsePlan('t1: clear(e0) isset(e0) | t2: wait(e0) | t3: clear(e0) r(x0) set(e0)');
    const runs = [];
    for (let index = 0; index < 2; index++) runs.push((await searchPlan(plan, dporSearch({ index, count: 2 }, false, '1'))).runs.length);
    expect(runs.every((n) => n > 0)).toBe(true);
    expect(runs[0]! + runs[1]!).toBe(enumerate(plan).classes.size);
  });
});
