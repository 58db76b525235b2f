import { describe, expect, it } from 'vitest';
import { explore, type Scenario } from 'heddle';
import { loadAll } from '../../src/cli/load.ts';

const SEED = /^(cache|counter|pool|registry|jobs)\//;
const all = (await loadAll()).map((l) => l.scenario).filter((s) => SEED.test(s.name) && !s.name.includes('leaky'));
const buggy = all.filter((s) => (s.options.expect ?? 'pass') !== 'pass');

// Mazurkiewicz traces of each fixed seed model's scenario: asserted exactly, so a change that
// makes the search explore nothing (or something else) fails loudly.
// Every await of the models is a scheduling point, and their plain state (a pool's `runs`, a
// registry's Map) is tracked: the counts are those of the models' JavaScript, not only their primitives.
// (The source-DPOR before wakeup trees ran 28 and 6,000 executions on the pool models: fewer
// than the classes of their primitive operations alone, 368 on active-count — it missed traces.
// Until DPOR named plain objects by the step that made them, it ran 768 and 8,520: the same
// 528 and 5,892 traces, some of them more than once — the same sets, told apart by the order
// of each execution's dependent steps.)
const FIXED_TRACES: Record<string, number> = {
  'cache/get-check-then-act.fixed': 2,
  'cache/lost-stats.fixed': 2,
  'cache/over-capacity.fixed': 2,
  'cache/size-mid-eviction.fixed': 2,
  'counter/inconsistent-snapshot.fixed': 2,
  'counter/lost-update.fixed': 2,
  'jobs/cap-exceeded.fixed': 2,
  'jobs/cleanup-race.fixed': 2,
  'jobs/cleanup-running.fixed': 6,
  'jobs/torn-status.fixed': 12,
  'jobs/update-after-delete.fixed': 3,
  'pool/active-count.fixed': 528,
  'pool/deadlock.fixed': 6,
  'pool/duplicate-task.fixed': 5892,
  'pool/lost-result.fixed': 5892,
  'pool/stats-inconsistent.fixed': 5892,
  'pool/submit-during-shutdown.fixed': 54,
  'registry/double-create.fixed': 4,
  'registry/iterate-while-insert.fixed': 2,
  'registry/reset-timeout': 1,
};

describe('fixed seed models under exhaustive DPOR', () => {
  it('every fixed seed scenario has a pinned trace count', () => {
    expect(all.filter((s) => (s.options.expect ?? 'pass') === 'pass').map((s) => s.name).sort()).toEqual(Object.keys(FIXED_TRACES).sort());
  });

  for (const [name, traces] of Object.entries(FIXED_TRACES)) {
    it(`${name}: verified over exactly ${traces} traces, with race detection on`, async () => {
      const s = all.find((x) => x.name === name)!;
      const r = await explore(s, { strategy: 'dpor' });
      expect(r.failure?.message).toBeUndefined(); // no assertion, deadlock or data race
      expect(r.complete).toBe(true);
      expect(r.schedulesRun).toBe(traces);
    });
  }
});

describe('buggy seed models: dpor against dfs', () => {
  it('dpor finds the same bug as dfs in every buggy scenario, with fewer executions overall', async () => {
    let dporTotal = 0;
    let dfsTotal = 0;
    for (const s of buggy) {
      const dpor = await explore(s, { strategy: 'dpor', shrink: false });
      const dfs = await explore(s, { strategy: 'dfs', shrink: false, maxSchedules: 100_000 });
      expect(dpor.failure?.kind, s.name).toBe(s.options.expect);
      expect(dfs.failure?.kind, s.name).toBe(s.options.expect);
      // Per scenario either may be first (they explore in different orders); over all, DPOR
      // runs fewer executions.
      dporTotal += dpor.schedulesRun + dpor.pruned;
      dfsTotal += dfs.schedulesRun + dfs.pruned;
    }
    expect(dporTotal).toBeLessThan(dfsTotal);
  });
});

describe('data races in the seed models', () => {
  // The cell each unsynchronised model races on first.
  const RACY: Record<string, RegExp> = {
    'cache/lost-stats': /cell '(hits|entries)'/,
    'counter/lost-update': /cell '(counts|total)'/,
    'pool/lost-result': /cell '(queue|results|active|submitted)'/,
    'registry/double-create': /cell 'registry'/,
    'jobs/torn-status': /cell 'job-1\.(status|message|progress)'|cell 'jobs'/,
  };
  const find = (name: string): Scenario => buggy.find((s) => s.name === name)!;

  for (const [name, cell] of Object.entries(RACY)) {
    it(`${name} reports a race on ${cell.source} with both access sites`, async () => {
      const r = await explore(find(name), { strategy: 'random', seed: 1, iterations: 200 });
      const race = r.failure?.races?.find((text) => cell.test(text));
      expect(race, JSON.stringify(r.failure?.races)).toBeDefined();
      expect(race).toMatch(/task \d+ '[^']+' (get|set|update) \(step \d+, at [^)]+:\d+\) and task \d+ '[^']+' (get|set|update) \(step \d+, at [^)]+:\d+\)/);
    });
  }
});
