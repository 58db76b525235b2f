import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { explore, random, scenario, Shared, spawn, type Scenario, type Strategy } from 'heddle';
import { Observing } from '../support/observing.ts';
import { runCommand } from '../../src/cli/main.ts';
import { recordingOutput } from '../../src/cli/output.ts';
import { DfsStrategy } from '../../scheduler/strategies/dfs.ts';
import { twoPreemptions } from '../fixtures/two-preemptions.ts';
import { deadlock, lastzero, lostUpdate, readers, reorder } from '../../scenarios/benchmarks/programs.ts';

// DPOR's trace counts (../shared/benchmarks/README.md): DFS, which runs every schedule, runs more.
const DPOR_TRACES: [string, () => Scenario, number][] = [
  ['lastzero(1)', () => lastzero(1), 2], ['lastzero(2)', () => lastzero(2), 5], ['lastzero(3)', () => lastzero(3), 12],
  ['lastzero(4)', () => lastzero(4), 28], ['lastzero(5)', () => lastzero(5), 64], ['lastzero(6)', () => lastzero(6), 144],
  ['lastzero(10)', () => lastzero(10), 3328], ['readers(2)', () => readers(2), 4], ['readers(3)', () => readers(3), 8],
  ['readers(5)', () => readers(5), 32],
];

async function schedulesOf(s: Scenario, strategy: Strategy, iterations = 1_000_000): Promise<string[]> {
  const out: string[] = [];
  await explore(s, { strategyInstance: new Observing(strategy, (r) => out.push(r.schedule.choices.join(','))), iterations, shrink: false });
  return out;
}


describe('dfs runs every schedule', () => {
  for (const [name, make, traces] of DPOR_TRACES) {
    it(`dfs without a bound runs more schedules than dpor's ${traces} traces of ${name}`, async () => {
      // The search is cut one schedule past DPOR's count: it is not over by then.
      const r = await explore(make(), { strategy: 'dfs', maxSchedules: traces + 1 });
      expect(r.schedulesRun).toBe(traces + 1);
      expect(r.complete).toBe(false);
    });
  }

  it('lastzero(2): every one of its 2 544 schedules, and a proof', async () => {
    const r = await explore(lastzero(2), { strategy: 'dfs', preemptionBound: 1000 });
    expect(r.schedulesRun).toBe(2544);
    expect(r.complete).toBe(true);
    expect(r.coverage).toBe('verified: 2,544 schedules, complete');
  });

  it('never runs the same schedule twice', async () => {
    const schedules = await schedulesOf(readers(2), new DfsStrategy({ preemptionBound: 1000 }));
    expect(new Set(schedules).size).toBe(schedules.length);
  });

  it('keeps only the current path: memory follows depth, not schedules', async () => {
    const dfs = new DfsStrategy({ preemptionBound: 1000 });
    await explore(readers(3), { strategyInstance: dfs, iterations: 5000 });
    const path = (dfs as unknown as { path: unknown[] }).path;
    expect(path.length).toBeLessThan(40);
  });
});

describe('dfs with a preemption bound', () => {
  it('finds the opposite-order deadlock with its one preemption', async () => {
    const r = await explore(deadlock, { strategy: 'dfs', shrink: false });
    expect(r.failure?.kind).toBe('deadlock');
    expect(r.failure?.preemptions).toBe(1);
  });

  it('finds the lost update with its one preemption', async () => {
    const r = await explore(lostUpdate(2), { strategy: 'dfs', shrink: false });
    expect(r.failure?.kind).toBe('assertion');
    expect(r.failure?.preemptions).toBe(1);
  });

  it('a bound of 0 does not claim a proof; a bound of 1 finds the lost update', async () => {
    const r = await explore(lostUpdate(2), { strategy: 'dfs', preemptionBound: 0 });
    expect(r.verdict).toBe('pass');
    expect(r.complete).toBe(false);
    expect(r.coverage).toMatch(/^no failure within preemption bound 0, \d+ schedules$/);
    expect((await explore(lostUpdate(2), { strategy: 'dfs', preemptionBound: 1 })).failure?.kind).toBe('assertion');
  });

  it('bounds 0, 1, 2 on lastzero(2): 13, 108 and 471 schedules, none a proof', async () => {
    for (const [bound, schedules] of [[0, 13], [1, 108], [2, 471]] as const) {
      const r = await explore(lastzero(2), { strategy: 'dfs', preemptionBound: bound });
      expect(r.schedulesRun).toBe(schedules);
      expect(r.coverage).toBe(`no failure within preemption bound ${bound}, ${schedules} schedules`);
    }
  });

  it('a bound that cuts nothing is a proof', async () => {
    const r = await explore(lastzero(1), { strategy: 'dfs', preemptionBound: 3 });
    expect(r.complete).toBe(true);
    expect(r.coverage).toBe('verified: 20 schedules, complete');
  });

  it('iterative deepening finds a bug needing two preemptions with exactly two', async () => {
    expect((await explore(twoPreemptions, { strategy: 'dfs', preemptionBound: 1 })).verdict).toBe('pass');
    const r = await explore(twoPreemptions, { strategy: 'dfs', shrink: false });
    expect(r.failure?.kind).toBe('assertion');
    expect(r.failure?.preemptions).toBe(2);
  });

  // Each round runs the schedules of the rounds before again, to find its way down the tree;
  // those repeats are not counted, so deepening reports what an unbounded search does.
  it('iterative deepening counts each schedule once', async () => {
    for (const s of [lastzero(1), lastzero(2), readers(2)]) {
      const deepened = await explore(s, { strategy: 'dfs' });
      const unbounded = await explore(s, { strategy: 'dfs', preemptionBound: 1000 });
      expect(deepened.schedulesRun).toBe(unbounded.schedulesRun);
      expect(deepened.complete).toBe(true);
      expect(deepened.coverage).toMatch(/^verified: [\d,]+ schedules, complete \(deepened to deviation bound \d+\)$/);
    }
    const once = await schedulesOf(lastzero(2), new DfsStrategy());
    expect(new Set(once).size).toBe(once.length);
  });

  it('--max-schedules cuts the search and says it is not a proof', async () => {
    const r = await explore(lastzero(3), { strategy: 'dfs', maxSchedules: 50 });
    expect(r.schedulesRun).toBe(50);
    expect(r.complete).toBe(false);
    expect(r.coverage).toMatch(/not a proof/);
  });
});

describe('dfs deepens over deviations from the default order', () => {
  // Three tasks of two steps each, spawned in order: the default order runs each to its end, the
  // one that has waited longest next.
  const three = scenario('three', async () => {
    const cell = new Shared(0, 'cell');
    const tasks = [1, 2, 3].map((i) => spawn(async () => { await cell.set(i); await cell.set(-i); }, `t${i}`));
    for (const t of tasks) await t.join();
  });

  it('its first schedule is the default order: each task runs on until it ends, then the one waiting longest', async () => {
    const seen: number[][] = [];
    const observed = new Observing(new DfsStrategy(), (r) => seen.push(r.trace.filter((t) => t.choice).map((t) => t.task)));
    await explore(three, { strategyInstance: observed, iterations: 1, shrink: false });
    // Tasks 1, 2, 3 are t1, t2, t3 (0 is the scenario's body): each runs unbroken, in spawn order.
    const order = seen[0]!.filter((task) => task !== 0);
    const runs = order.filter((task, k) => k === 0 || order[k - 1] !== task);
    expect(runs).toEqual([1, 2, 3]);
  });

  it("reaches reorder(5,5)'s one-preemption assertion within 1,000 schedules (deepening over preemptions ran 10! orders first)", async () => {
    const r = await explore(reorder(5, 5), { strategy: 'dfs', maxSchedules: 1000, shrink: false });
    expect(r.failure?.kind).toBe('assertion');
    expect(r.failureIndex).toBeLessThanOrEqual(1000);
    const bounded = await explore(reorder(5, 5), { strategy: 'dfs', preemptionBound: 1, maxSchedules: 1000, shrink: false });
    expect(bounded.failure).toBeUndefined();
  });
});

describe('dfs is deterministic', () => {
  it('the same sequence of schedules twice', async () => {
    const a = await schedulesOf(lastzero(2), new DfsStrategy(), 500);
    const b = await schedulesOf(lastzero(2), new DfsStrategy(), 500);
    expect(a).toHaveLength(500);
    expect(b).toEqual(a);
  });

  it('the same sequence of schedules in a child process', async () => {
    const code = `import { explore } from 'heddle'; import { createHash } from 'node:crypto';
      import { lastzero } from './scenarios/benchmarks/programs.ts';
      import { DfsStrategy } from './scheduler/strategies/dfs.ts';
      import { Observing } from './test/support/observing.ts';
      const out = [];
      await explore(lastzero(2), { strategyInstance: new Observing(new DfsStrategy(), (r) => out.push(r.schedule.choices.join(','))), iterations: 500 });
      console.log(createHash('sha256').update(out.join(';')).digest('hex'));`;
    const there = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' }).trim();
    const here = createHash('sha256').update((await schedulesOf(lastzero(2), new DfsStrategy(), 500)).join(';')).digest('hex');
    expect(there).toBe(here);
  });
});

describe('dfs and random()', () => {
  const draws = scenario('fixture/draws', async () => {
    const x = new Shared(0, 'x');
    const t = spawn(() => x.set(random()), 'writer');
    const seen = await x.get();
    await t.join();
    return seen;
  }, { races: false });

  it('draws are fixed by the seed, and a search that drew claims no proof', async () => {
    const r = await explore(draws, { strategy: 'dfs', seed: 7 });
    expect(r.complete).toBe(false);
    expect(r.coverage).toMatch(/^explored all \d+ schedules .*random\(\) values fixed by seed 7 .*not a proof/);
  });

  it('the same seed draws the same values; another seed, others', async () => {
    const seen = async (seed: string) => {
      const out = new Set<unknown>();
      await explore(draws, { strategyInstance: new Observing(new DfsStrategy({ seed }), (r) => out.add(r.value)), shrink: false });
      return [...out].sort();
    };
    expect(await seen('7')).toEqual(await seen('7'));
    expect(await seen('7')).not.toEqual(await seen('8'));
  });
});

describe('check --strategy dfs', () => {
  const check = async (...args: string[]) => {
    const out = recordingOutput();
    const code = await runCommand('check', args, out);
    return { code, out: out.out.join('\n') };
  };

  it('a bounded search says so, with its schedule count', async () => {
    const r = await check('benchmarks/readers-3', '--strategy', 'dfs', '--preemption-bound', '1');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/got pass\s+\d+ schedules\s+\d+ ms\s+no failure within preemption bound 1, [\d,]+ schedules/);
  });

  it('iterative deepening to the end is a proof', async () => {
    const r = await check('benchmarks/readers-3', '--strategy', 'dfs');
    expect(r.out).toMatch(/pass \(complete\)\s+15400 schedules .*verified: 15,400 schedules, complete \(deepened to deviation bound 10\)/);
  });

  it('finds the deadlock and prints the one-preemption trace', async () => {
    const r = await check('benchmarks/deadlock', '--strategy', 'dfs');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/found by dfs, in schedule \d+, \d+ steps, 1 preemption/);
  });
});
