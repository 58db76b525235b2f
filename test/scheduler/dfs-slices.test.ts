// A DFS search split into slices (worker threads, --shard i/n) runs each schedule exactly once
// across the slices — the unsplit search's schedules, met in the unsplit order by execution index —
// and reports the failure the unsplit search finds first, whatever the number of slices.
import { describe, expect, it } from 'vitest';
import { explore, type ExploreResult, type Scenario } from 'heddle';
import { Observing } from '../support/observing.ts';
import { randomProgram, type Family } from '../support/random-programs.ts';
import { runCommand } from '../../src/cli/main.ts';
import { recordingOutput } from '../../src/cli/output.ts';
import { DfsStrategy } from '../../scheduler/strategies/dfs.ts';
import { deadlock, lastzero, lostUpdate, readers } from '../../scenarios/benchmarks/programs.ts';
import { exploreInWorkers } from '../../src/parallel/split.ts';
import { mergeResults } from '../../src/parallel/protocol.ts';
import { twoPreemptions } from '../fixtures/two-preemptions.ts';

interface Counted {
  readonly schedule: string;
  readonly index: number;
}

/** The counted schedules of a search (or of one slice), with their execution indices, in the order run. */
async function schedules(s: Scenario, preemptionBound: number | undefined, slice?: { index: number; count: number }): Promise<Counted[]> {
  const out: Counted[] = [];
  const dfs = new DfsStrategy({ ...(preemptionBound !== undefined ? { preemptionBound } : {}), ...(slice ? { slice } : {}) });
  const o = new Observing(dfs, (r) => out.push({ schedule: r.schedule.choices.join(','), index: dfs.executionIndex ?? out.length }));
  const r = await explore(s, { strategyInstance: o, iterations: 10_000_000, shrink: false });
  expect(r.verdict).toBe('pass');
  return out;
}

/** Splits into `count` slices and checks them against the unsplit search; returns the counts per slice. */
async function expectPartition(s: Scenario, bound: number | undefined, count: number): Promise<number[]> {
  const whole = (await schedules(s, bound)).map((c) => c.schedule);
  expect(new Set(whole).size).toBe(whole.length);
  const parts: Counted[][] = [];
  for (let index = 0; index < count; index++) parts.push(await schedules(s, bound, { index, count }));
  for (const part of parts) {
    // Within a slice the index never decreases.
    for (let i = 1; i < part.length; i++) expect(part[i]!.index).toBeGreaterThanOrEqual(part[i - 1]!.index);
  }
  const union = parts.flat();
  expect(union).toHaveLength(whole.length); // no schedule twice
  expect(new Set(union.map((c) => c.schedule))).toEqual(new Set(whole));
  // Ordered by index, the slices meet the schedules in the unsplit order (round, then DFS order).
  const byIndex = [...union].sort((a, b) => a.index - b.index);
  expect(new Set(byIndex.map((c) => c.index)).size).toBe(union.length);
  expect(byIndex.map((c) => c.schedule)).toEqual(whole);
  return parts.map((p) => p.length);
}


/** What merging the slices reports: the failure at the lowest execution order. */
function firstFailure(parts: readonly ExploreResult[]): ExploreResult | undefined {
  return mergeResults(parts);
}

/** Every count reports, at its lowest failing index, the failure the unsplit search reports. */
async function expectSameFirstFailure(make: () => Scenario, bound: number | undefined, counts: readonly number[]): Promise<void> {
  const options = bound === undefined ? {} : { preemptionBound: bound };
  const whole = await explore(make(), { strategy: 'dfs', ...options });
  expect(whole.failure).toBeDefined();
  for (const count of counts) {
    const parts: ExploreResult[] = [];
    for (let index = 0; index < count; index++) parts.push(await explore(make(), { strategy: 'dfs', ...options, shard: { index, count } }));
    const first = firstFailure(parts);
    expect(first?.failure?.kind).toBe(whole.failure!.kind);
    expect(first?.failure?.token).toBe(whole.failure!.token);
    expect(first?.failure?.preemptions).toBe(whole.failure!.preemptions);
    expect(first?.failureIndex).toBe(whole.failureIndex); // numbered as the unsplit search numbers it
  }
}

describe('dfs slices partition the schedules', () => {
  const cases: [string, () => Scenario, number | undefined][] = [
    ['lastzero(3), preemption bound 1', () => lastzero(3), 1],
    ['lastzero(3), preemption bound 2', () => lastzero(3), 2],
    ['readers(3), preemption bound 2', () => readers(3), 2],
    ['lastzero(2), iterative deepening', () => lastzero(2), undefined],
    ['readers(3), iterative deepening', () => readers(3), undefined],
  ];
  for (const [name, make, bound] of cases) {
    it(`the union of slices 1/3, 2/3, 3/3 of ${name} is the unsplit schedule set, each schedule once, in unsplit order by index`, async () => {
      await expectPartition(make(), bound, 3);
    });
  }

  it('every count from 1 to 5 partitions readers(2) under iterative deepening', async () => {
    for (let count = 1; count <= 5; count++) await expectPartition(readers(2), undefined, count);
  });

  // Small random programs: bounded, and deepening where the whole search stays small. A program
  // that fails instead must report the same first failure from its slices.
  const families: Family[] = ['memory', 'locks', 'blocking'];
  for (const family of families) {
    it(`slices of 2 and 3 partition random ${family} programs, bounded and deepening`, async () => {
      for (let seed = 1; seed <= 6; seed++) {
        const { scenario: s } = randomProgram(seed, family);
        for (const bound of [1, undefined]) {
          const whole = await explore(s, { strategy: 'dfs', shrink: false, maxSchedules: 5001, ...(bound === undefined ? {} : { preemptionBound: bound }) });
          if (whole.failure !== undefined) await expectSameFirstFailure(() => s, bound, [2, 3]);
          else if (whole.complete || whole.coverage?.startsWith('no failure within')) for (const count of [2, 3]) await expectPartition(s, bound, count);
        }
      }
    });
  }

  it('--shard through explore: the slice counts add up to the whole, and each slice says what it verified', async () => {
    const parts: ExploreResult[] = [];
    for (let index = 0; index < 3; index++) parts.push(await explore(readers(3), { strategy: 'dfs', shard: { index, count: 3 } }));
    expect(parts.reduce((n, r) => n + r.schedulesRun, 0)).toBe(15400);
    for (const [i, r] of parts.entries()) {
      expect(r.complete).toBe(true);
      expect(r.coverage).toMatch(new RegExp(`^verified: [\\d,]+ schedules of slice ${i + 1}/3, complete \\(deepened to deviation bound \\d+\\)$`));
    }
  });

  it('--max-schedules bounds the whole split search: each of n slices runs at most 1/n of it', async () => {
    const parts: ExploreResult[] = [];
    for (let index = 0; index < 2; index++) parts.push(await explore(readers(3), { strategy: 'dfs', maxSchedules: 1000, shard: { index, count: 2 } }));
    expect(parts.map((r) => r.schedulesRun)).toEqual([500, 500]);
    for (const r of parts) expect(r.complete).toBe(false);
    // DPOR: lastzero(5) has 64 traces; a budget of 9 over 2 slices lets each run at most 5.
    const dpor: ExploreResult[] = [];
    for (let index = 0; index < 2; index++) dpor.push(await explore(lastzero(5), { strategy: 'dpor', maxSchedules: 9, shard: { index, count: 2 } }));
    for (const r of dpor) expect(r.schedulesRun).toBeLessThanOrEqual(5);
    expect(dpor.some((r) => r.schedulesRun === 5)).toBe(true);
  });

  it('a slice cut by a fixed bound does not claim a proof', async () => {
    const r = await explore(readers(3), { strategy: 'dfs', preemptionBound: 1, shard: { index: 1, count: 2 } });
    expect(r.complete).toBe(false);
    expect(r.coverage).toMatch(/^no failure within preemption bound 1, [\d,]+ schedules of slice 2\/2$/);
  });
});

describe('dfs slices report the unsplit first failure', () => {
  const buggy: [string, () => Scenario, number | undefined][] = [
    ['lost update', () => lostUpdate(2), undefined],
    ['lost update of 3, bound 2', () => lostUpdate(3), 2],
    ['opposite-order deadlock', () => deadlock, undefined],
    ['two-preemption assertion', () => twoPreemptions, undefined],
  ];
  for (const [name, make, bound] of buggy) {
    it(`${name}: every count 1–4 reports the failure the unsplit search finds`, async () => {
      await expectSameFirstFailure(make, bound, [1, 2, 3, 4]);
    });
  }

  it('--workers 2 finds the same first failure as one thread', async () => {
    const one = await explore(lostUpdate(2), { strategy: 'dfs' });
    const two = await exploreInWorkers({ file: 'scenarios/benchmarks/programs.ts', scenario: 'benchmarks/lost-update-2', options: { strategy: 'dfs' }, count: 2 });
    expect(one.failure?.kind).toBe('assertion');
    expect(two.failure?.token).toBe(one.failure?.token);
  });
});

describe('dfs slices share the work', () => {
  // Under a preemption bound nearly every schedule takes the first option at the first branching
  // steps: a split by the first choice would leave one slice almost everything.
  for (const [name, make, bound] of [['lastzero(4)', () => lastzero(4), 1], ['readers(3)', () => readers(3), 2]] as const) {
    it(`no slice of 2 runs more than 75% of ${name} under preemption bound ${bound}`, async () => {
      const counts = await expectPartition(make(), bound, 2);
      const total = counts[0]! + counts[1]!;
      for (const n of counts) expect(n).toBeLessThanOrEqual(0.75 * total);
    });
  }
});

describe('check --strategy dfs --shard', () => {
  it('explores one slice and prints its coverage line', async () => {
    const out = recordingOutput();
    const code = await runCommand('check', ['benchmarks/readers-3', '--strategy', 'dfs', '--shard', '1/2'], out);
    expect(code).toBe(0);
    expect(out.out.join('\n')).toMatch(/verified: [\d,]+ schedules of slice 1\/2, complete \(deepened to deviation bound \d+\)/);
  });

  it('with --workers 2 verifies the whole search', async () => {
    const out = recordingOutput();
    const code = await runCommand('check', ['benchmarks/readers-3', '--strategy', 'dfs', '--workers', '2', '--json'], out);
    expect(code).toBe(0);
    const obj = JSON.parse(out.out.join('\n'));
    expect(obj.schedulesRun).toBe(15400);
    expect(obj.complete).toBe(true);
  });
});
