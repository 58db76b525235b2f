import { describe, expect, it } from 'vitest';
import { explore, replay, type Scenario } from 'heddle';
import { loadAll } from '../../src/cli/load.ts';

// Every buggy seed-model scenario: the kind it must show and a token recorded from a failing
// execution (random strategy, seed 1). The tokens are regression cases: they must keep
// replaying to the same failure.
const BUGGY: [name: string, kind: string, token: string][] = [
  ['cache/get-check-then-act', 'assertion', 'heddle1:3f7ca850:BQAFAQICCQEDAAYAsfLJyg65tp6oDg'],
  ['cache/lost-stats', 'assertion', 'heddle1:a7f55676:BQAFAQUCBgEBAAYAo_yahwbHwvj_CQ'],
  ['cache/over-capacity', 'assertion', 'heddle1:2c5dbc5f:BQABAQICBAECAAgAxceBmwPIzOimDw'],
  ['cache/size-mid-eviction', 'assertion', 'heddle1:d6b31f5e:BQAFAQMCAgEGAAIAmridhQPnh5ZF'],
  ['counter/inconsistent-snapshot', 'assertion', 'heddle1:dd098612:BgABAgIBBQABAgEAAQD1uPvmBLGHmKsL'],
  ['counter/lost-update', 'assertion', 'heddle1:08301b7c:BQABAQICBQEDAAQA6_DmswyVu-ftDA'],
  ['jobs/cap-exceeded', 'assertion', 'heddle1:64931038:BQAFAQICBQEDABAAgvjUwALdh7KTDg'],
  ['jobs/cleanup-race', 'assertion', 'heddle1:46e3febc:CAAGAgMBAwABAgEAAgMDAAEAu5Lu_wOoos6cDQ'],
  ['jobs/cleanup-running', 'assertion', 'heddle1:2c376f98:CQAFAQYCAgMCAQwCAQADBAMAAQDN84jOCdvJmd0I'],
  ['jobs/torn-status', 'assertion', 'heddle1:5502d988:CQAGAgIDAwEGAgMEAgEKBAECAQC45daCBOa6_tsJ'],
  ['jobs/update-after-delete', 'assertion', 'heddle1:7ed51be0:BwAGAgMAAQENAAIDAwABAJDgx_4P_9mDhAI'],
  ['pool/active-count', 'assertion', 'heddle1:82318968:CAACAQICAwAKAQMCHAEOAAoA7aGK0A_pnqkF'],
  ['pool/deadlock', 'deadlock', 'heddle1:79303ad5:BQABAgMDAQQBAQIA6InCzQqYp-naCw'],
  ['pool/duplicate-task', 'assertion', 'heddle1:e8f54f9d:CwACAQICAwAKAQMCHQAFAQ4AAQIDAAMA56vx5AGM5JayCw'],
  ['pool/lost-result', 'assertion', 'heddle1:de19f83c:CwACAQICAwAKAQMCHQAFAQ4AAQIDAAQAvYjMqA6qutbPCg'],
  ['pool/stats-inconsistent', 'assertion', 'heddle1:50f27d05:CwACAQICAwAKAQMCGwAFAQ4AAQIDAAkAxo3cnw3tiJyyBQ'],
  ['pool/submit-during-shutdown', 'assertion', 'heddle1:e6b003b3:CQABAgEEBQEDAgIDBgABBAIAAQCPppWVD-b0pokN'],
  ['registry/double-create', 'assertion', 'heddle1:7e4a6379:BQABAQICCgEIAAQAv5H_3QyF-o_FDQ'],
  ['registry/iterate-while-insert', 'assertion', 'heddle1:55bdf2d7:BgAFAQICBAABAQ0AAQCn24Ug2IW99ww'],
  ['registry/leaky-global', 'nondeterminism', 'heddle1:cf2ecc4d:AQACANqH39EK6eLCkgU'],
];

const SEED_GROUPS = /^(cache|counter|pool|registry|jobs)\//;
const scenarios = new Map((await loadAll()).map(({ scenario }) => [scenario.name, scenario]));
const byName = (name: string): Scenario => {
  const s = scenarios.get(name);
  if (!s) throw new Error(`no scenario ${name}`);
  return s;
};

describe('buggy seed models', () => {
  it('every buggy seed scenario is pinned here', () => {
    const buggy = [...scenarios.values()].filter((s) => SEED_GROUPS.test(s.name) && (s.options.expect ?? 'pass') !== 'pass');
    expect(buggy.map((s) => s.name).sort()).toEqual(BUGGY.map(([n]) => n).sort());
  });

  for (const [name, kind, token] of BUGGY) {
    it(`${name}: random (seed 1) finds ${kind} within 500 schedules, and its pinned token replays it`, async () => {
      const s = byName(name);
      expect(s.options.expect).toBe(kind);
      const found = await explore(s, { strategy: 'random', seed: 1, iterations: 500 });
      expect(found.failure?.kind).toBe(kind);
      if (kind === 'nondeterminism') {
        // State leaking between executions: whatever ran before, the verdict is the same.
        expect((await explore(s, { strategy: 'random', seed: 7, iterations: 500 })).failure?.kind).toBe(kind);
        expect(found.failure?.message).toMatch(/state leaks between executions/);
        return;
      }
      const back = await replay(s, token);
      expect(back.failure?.kind).toBe(kind);
    });
  }

  it("the seed benchmark's systems (cache, counter, pool) each fail in well under 100 schedules", async () => {
    for (const [name] of BUGGY.filter(([n]) => /^(cache|counter|pool)\//.test(n))) {
      for (const seed of [1, 2, 3]) {
        const r = await explore(byName(name), { strategy: 'random', seed, iterations: 100 });
        expect(r.failure, `${name} seed ${seed}`).toBeDefined();
        expect(r.schedulesRun).toBeLessThan(100);
      }
    }
  });
});

describe('fixed seed models', () => {
  const fixed = () => [...scenarios.values()].filter((s) => SEED_GROUPS.test(s.name) && (s.options.expect ?? 'pass') === 'pass');

  it('there is a fixed twin for every buggy scenario', () => {
    const names = new Set(fixed().map((s) => s.name));
    for (const [name] of BUGGY) expect(names.has(`${name}.fixed`), name).toBe(true);
  });

  it('every fixed scenario passes 300 random schedules (seed 1)', async () => {
    for (const s of fixed()) {
      const r = await explore(s, { strategy: 'random', seed: 1, iterations: 300 });
      expect(r.failure?.message, s.name).toBeUndefined();
      expect(r.schedulesRun).toBe(300);
    }
  });
});
