import { describe, expect, it } from 'vitest';
import { explore, replay, type Scenario } from 'heddle';
import { loadAll } from '../../src/cli/load.ts';

// Every buggy seed-model scenario: the kind it must show and a token recorded from a failing
// execution (random strategy, seed 1). The tokens are regression cases: they must keep
// replaying to the same failure.
const BUGGY: [name: string, kind: string, token: string][] = [
  ['cache/get-check-then-act', 'assertion', 'heddle2:3f7ca850:BQAFAQICCQEDAAYAsfLJyg4:fcc54a16'],
  ['cache/lost-stats', 'assertion', 'heddle2:a7f55676:BQAFAQUCBgEBAAYAo_yahwY:a79b8d3c'],
  ['cache/over-capacity', 'assertion', 'heddle2:2c5dbc5f:BQABAQICBAECAAgAxceBmwM:3a4dc965'],
  ['cache/size-mid-eviction', 'assertion', 'heddle2:d6b31f5e:BQAFAQMCAgEGAAIAmridhQM:28f45527'],
  ['counter/inconsistent-snapshot', 'assertion', 'heddle2:dd098612:BgABAgIBBQABAgEAAQD1uPvmBA:306753cc'],
  ['counter/lost-update', 'assertion', 'heddle2:08301b7c:BQABAQICBQEDAAQA6_Dmsww:af7aa236'],
  ['jobs/cap-exceeded', 'assertion', 'heddle2:64931038:BQAFAQICBQEDABAAgvjUwAI:c932bd9b'],
  ['jobs/cleanup-race', 'assertion', 'heddle2:46e3febc:CAAGAgMBAwABAgEAAgMDAAEAu5Lu_wM:5f90f16c'],
  ['jobs/cleanup-running', 'assertion', 'heddle2:2c376f98:CQAFAQYCAgMCAQwCAQADBAMAAQDN84jOCQ:41e7533f'],
  ['jobs/torn-status', 'assertion', 'heddle2:5502d988:CQAGAgIDAwEGAgMEAgEKBAECAQC45daCBA:5abc3663'],
  ['jobs/update-after-delete', 'assertion', 'heddle2:7ed51be0:BwAGAgMAAQENAAIDAwABAJDgx_4P:8f5ca09d'],
  ['pool/active-count', 'assertion', 'heddle2:82318968:CAACAQICAwAKAQMCHAEOAAoA7aGK0A8:1c148a5c'],
  ['pool/deadlock', 'deadlock', 'heddle2:79303ad5:BQABAgMDAQQBAQIA6InCzQo:31c1b1e5'],
  ['pool/duplicate-task', 'assertion', 'heddle2:e8f54f9d:CwACAQICAwAKAQMCHQAFAQ4AAQIDAAMA56vx5AE:00d75f0a'],
  ['pool/lost-result', 'assertion', 'heddle2:de19f83c:CwACAQICAwAKAQMCHQAFAQ4AAQIDAAQAvYjMqA4:2b1b540c'],
  ['pool/stats-inconsistent', 'assertion', 'heddle2:50f27d05:CwACAQICAwAKAQMCGwAFAQ4AAQIDAAkAxo3cnw0:1e87e6a7'],
  ['pool/submit-during-shutdown', 'assertion', 'heddle2:e6b003b3:CQABAgEEBQEDAgIDBgABBAIAAQCPppWVDw:689ed0a6'],
  ['registry/double-create', 'assertion', 'heddle2:7e4a6379:BQABAQICCgEIAAQAv5H_3Qw:85b8630a'],
  ['registry/iterate-while-insert', 'assertion', 'heddle2:55bdf2d7:BgAFAQICBAABAQ0AAQCn24Ug:bc8ecdb6'],
  ['registry/leaky-global', 'nondeterminism', 'heddle2:cf2ecc4d:AQACANqH39EK:cf143c53'],
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

  // One task at a time: no step ever has two to choose from, so one execution is all there is.
  const LONE = new Set(['registry/leaky-global.fixed', 'registry/reset-timeout']);

  it('every fixed scenario passes 300 random schedules (seed 1), or its one execution when it has no scheduling point', async () => {
    for (const s of fixed()) {
      const r = await explore(s, { strategy: 'random', seed: 1, iterations: 300 });
      expect(r.failure?.message, s.name).toBeUndefined();
      expect(r.schedulesRun, s.name).toBe(LONE.has(s.name) ? 1 : 300);
      expect(r.complete, s.name).toBe(LONE.has(s.name));
    }
  });
});
