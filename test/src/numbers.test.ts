import { describe, expect, it } from 'vitest';
import { explore, type ExploreResult } from 'heddle';
import { runCommand } from '../../src/cli/main.ts';
import { recordingOutput } from '../../src/cli/output.ts';
import { mergeResults } from '../../src/parallel/protocol.ts';
import { racyButPassing } from '../fixtures/programs.ts';
import { lateZero5, noSchedulingPoint } from '../fixtures/numbers.ts';
import { activeCount as activeCountPair } from '../../scenarios/pool/pool.ts';

const activeCount = activeCountPair.find((s) => s.name === 'pool/active-count.fixed')!;

// Every number a report prints counts the same thing: the schedules the summary line counts
// (pruned executions and DFS's re-deepened repeats not among them), numbered from 1.

async function check(...args: string[]) {
  const out = recordingOutput();
  const code = await runCommand('check', args, out);
  return { code, out: out.out.join('\n') };
}

async function json(...args: string[]) {
  return JSON.parse((await check(...args, '--json')).out) as Record<string, unknown> & { failure: { kind: string } | null };
}

const RACY = 'test/fixtures/programs.ts#fixture/racy-flag';
const LATE = 'test/fixtures/numbers.ts#fixture/late-zero-5';
const LONE = 'test/fixtures/numbers.ts#fixture/no-scheduling-point';
const HELD = 'scenarios/pool/pool.ts#pool/active-count.fixed';

describe('the schedule a failure was found in', () => {
  // The flag's set and get are unordered in every execution: the first schedule already races.
  it('a race met in schedule 1 of a 1000-schedule random search is reported as schedule 1', async () => {
    const text = await check(RACY, '--strategy', 'random', '--iterations', '1000', '--no-shrink');
    expect(text.out).toMatch(/got data-race\s+1000 schedules/);
    expect(text.out).toMatch(/found by random, in schedule 1, seed/);
    const obj = await json(RACY, '--strategy', 'random', '--iterations', '1000', '--no-shrink');
    expect(obj.schedulesRun).toBe(1000);
    expect(obj.failureIndex).toBe(1);
  });

  for (const strategy of ['dfs', 'dpor'] as const) {
    it(`${strategy}: a race met in the first schedule is reported as schedule 1`, async () => {
      const r = await explore(racyButPassing, { strategy });
      expect(r.failure?.kind).toBe('data-race');
      expect(r.failureIndex).toBe(1);
    });

    it(`${strategy}: failureIndex is the text's schedule number, and the N-th counted schedule`, async () => {
      const obj = await json(LATE, '--strategy', strategy, '--no-shrink');
      const n = obj.failureIndex as number;
      expect(obj.failure?.kind).toBe('assertion');
      expect(obj.schedulesRun).toBe(n); // a hard failure stops the search
      const text = await check(LATE, '--strategy', strategy, '--no-shrink');
      expect(text.out).toContain(`found by ${strategy}, in schedule ${n}, `);
      // Independent of how the index is computed: capped at N − 1 schedules the search passes, at N it fails.
      const before = await explore(lateZero5, { strategy, maxSchedules: n - 1, shrink: false });
      expect(before.failure).toBeUndefined();
      expect(before.schedulesRun).toBe(n - 1);
      const at = await explore(lateZero5, { strategy, maxSchedules: n, shrink: false });
      expect(at.failure?.kind).toBe('assertion');
      expect(at.failureIndex).toBe(n);
    });

    it(`${strategy}: a split search numbers its failure as the unsplit search does`, async () => {
      const whole = await explore(lateZero5, { strategy, shrink: false });
      for (const count of [2, 3]) {
        const parts: ExploreResult[] = [];
        for (let index = 0; index < count; index++) parts.push(await explore(lateZero5, { strategy, shrink: false, shard: { index, count } }));
        const merged = mergeResults(parts);
        expect(merged.failure?.token).toBe(whole.failure?.token);
        expect(merged.failureIndex).toBe(whole.failureIndex);
      }
    });
  }

  it('dpor: every execution before the failure is a counted trace (none is cut short), and the failure is the last', async () => {
    const r = await explore(lateZero5, { strategy: 'dpor', shrink: false });
    expect(r.pruned).toBe(0);
    expect(r.failureIndex).toBe(r.schedulesRun);
  });

  it('dpor: a slice of a split search counts its pruned executions apart from its traces', async () => {
    // The pool's workers take jobs in a loop: a pivot step of one may never come (it took fewer
    // jobs), and an execution that waits for it is cut short (DporSlice).
    const slices = [];
    for (let index = 0; index < 2; index++) slices.push(await explore(activeCount, { strategy: 'dpor', shard: { index, count: 2 } }));
    expect(slices.some((r) => r.pruned > 0)).toBe(true);
    expect(slices[0]!.schedulesRun + slices[1]!.schedulesRun).toBe((await explore(activeCount, { strategy: 'dpor' })).schedulesRun);
  });

  it('a split random search numbers its failure as the unsplit one does', async () => {
    const whole = await explore(racyButPassing, { strategy: 'random', iterations: 200 });
    const parts: ExploreResult[] = [];
    for (let index = 0; index < 3; index++) parts.push(await explore(racyButPassing, { strategy: 'random', iterations: 200, shard: { index, count: 3 } }));
    const merged = mergeResults(parts);
    expect(merged.failureIndex).toBe(whole.failureIndex);
    expect(merged.failureIndex).toBe(1);
    expect(merged.schedulesRun).toBe(200);
  });
});

describe('what a search that ran to its end covered', () => {
  for (const strategy of ['dfs', 'dpor'] as const) {
    it(`${strategy}: a finished search that found only a race is complete, and says so`, async () => {
      const obj = await json(RACY, '--strategy', strategy);
      expect(obj.failure?.kind).toBe('data-race');
      expect(obj.complete).toBe(true);
      expect(obj.coverage).toMatch(/complete.*the data race is the only failure/);
      expect(obj.coverage).not.toMatch(/verified/);
    });

    it(`${strategy}: a race-only search cut by --max-schedules is not complete, and says why`, async () => {
      const obj = await json(RACY, '--strategy', strategy, '--max-schedules', '1');
      expect(obj.failure?.kind).toBe('data-race');
      expect(obj.schedulesRun).toBe(1);
      expect(obj.complete).toBe(false);
      expect(obj.coverage).toMatch(/^no failure besides the data race in 1 (schedule|trace) .*search cut by --max-schedules/);
    });
  }

  it('a search stopped by a hard failure claims no coverage', async () => {
    const obj = await json(LATE, '--strategy', 'dpor', '--no-shrink');
    expect(obj.complete).toBe(false);
    expect(obj.coverage).toBeNull();
  });

  it("dpor's summary line shows the pruned executions beside the counted ones", async () => {
    const obj = await json(HELD, '--strategy', 'dpor', '--shard', '1/2');
    const pruned = obj.pruned as number;
    expect(pruned).toBeGreaterThan(0);
    const text = await check(HELD, '--strategy', 'dpor', '--shard', '1/2');
    expect(text.out).toMatch(new RegExp(`\\b${obj.schedulesRun} schedules \\(\\+ ${pruned} pruned\\)`));
    const whole = await check('benchmarks/lastzero-5', '--strategy', 'dpor');
    expect(whole.out).toMatch(/\b64 schedules\s+\d+ ms/);
  });
});

describe('a scenario with no scheduling point', () => {
  for (const strategy of ['random', 'pct', 'portfolio', 'dfs', 'dpor'] as const) {
    it(`${strategy}: runs once and says one execution is all there is (complete)`, async () => {
      const r = await explore(noSchedulingPoint, { strategy, iterations: 1000 });
      expect(r.verdict).toBe('pass');
      expect(r.schedulesRun).toBe(1);
      expect(r.complete).toBe(true);
      expect(r.coverage).toBe('no choice: one task alone could run at every scheduling point, so one execution is all there is');
    });
  }

  it('the summary line says so instead of counting 1000 schedules', async () => {
    const r = await check(LONE, '--iterations', '1000');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/got pass \(complete\)\s+1 schedule .*no choice: one task alone could run at every scheduling point, so one execution is all there is/);
  });

  it('a split search runs it once in all', async () => {
    const parts: ExploreResult[] = [];
    for (let index = 0; index < 3; index++) parts.push(await explore(noSchedulingPoint, { strategy: 'random', shard: { index, count: 3 } }));
    expect(parts.map((p) => p.schedulesRun)).toEqual([1, 0, 0]);
    expect(mergeResults(parts).complete).toBe(true);
  });

  it('a scenario with two tasks is not mistaken for one without a choice', async () => {
    const r = await explore(racyButPassing, { strategy: 'random', iterations: 20 });
    expect(r.schedulesRun).toBe(20);
  });
});
