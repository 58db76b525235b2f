import { describe, expect, it } from 'vitest';
import { explore, replay, type Scenario } from 'heddle';
import { loadAll } from '../../src/cli/load.ts';

// Every buggy seed-model scenario: the kind it must show and a token recorded from a failing
// execution (random strategy, seed 1). The tokens are regression cases: they must keep
// replaying to the same failure.
const BUGGY: [name: string, kind: string, token: string][] = [
  ['cache/get-check-then-act', 'assertion', 'heddle1:3f7ca850:BQAEAQICCAEDAAUAyICj0A-y_YD8Cw'],
  ['cache/lost-stats', 'assertion', 'heddle1:a7f55676:BQAEAQUCBgEBAAUAh4TfvQSe4pytAw'],
  ['cache/over-capacity', 'assertion', 'heddle1:2c5dbc5f:BQABAQICBAECAAYAseGfMdu5yekI'],
  ['cache/size-mid-eviction', 'assertion', 'heddle1:d6b31f5e:BQAEAQMCAgEFAAIAp6mXuQO9qYjEDg'],
  ['counter/inconsistent-snapshot', 'assertion', 'heddle1:dd098612:BgABAgIBBQABAgEAAQD1uPvmBLGHmKsL'],
  ['counter/lost-update', 'assertion', 'heddle1:08301b7c:BQABAQICBQEDAAMAkMqd-wqgkYHiCw'],
  ['jobs/cap-exceeded', 'assertion', 'heddle1:64931038:BQAEAQICBAECAAwAspjJ6QLQhuXICA'],
  ['jobs/cleanup-running', 'assertion', 'heddle1:2c376f98:BgAEAQUCBAABAQoABQCJ4uKHDLaAo_MI'],
  ['jobs/cleanup-race', 'assertion', 'heddle1:46e3febc:BgAFAgMBAwABAgEABQCesq3_CNCR-mU'],
  ['jobs/torn-status', 'assertion', 'heddle1:5502d988:BgAEAgUBCgIEAQMCAQCUzsiYCdHH6vUN'],
  ['jobs/update-after-delete', 'assertion', 'heddle1:7ed51be0:BQAEAgMAAQELAAUAtsC25wOp5vtK'],
  ['pool/active-count', 'assertion', 'heddle1:82318968:CAABAgIBAwAJAgMBGwINAAcAr_bl6wbdlaL2CQ'],
  ['pool/deadlock', 'deadlock', 'heddle1:79303ad5:BAABAwIBAgIBAK_g49YMiZ6CsAo'],
  ['pool/duplicate-task', 'assertion', 'heddle1:e8f54f9d:CgABAgIBAwAJAgMBGwAEAg0BAwACAI3L-ekJ7Lz_ywc'],
  ['pool/lost-result', 'assertion', 'heddle1:de19f83c:CgABAgIBAwAJAgMBGwAEAg0BAwADAMuFr48PneWX3AU'],
  ['pool/stats-inconsistent', 'assertion', 'heddle1:50f27d05:CgABAgIBAwAJAgMBGQAEAg0BAwAHAKeeqfQIvObRzwQ'],
  ['pool/submit-during-shutdown', 'assertion', 'heddle1:e6b003b3:CQABAgEEBAEDAgIDBQABBAIAAQCQxJDCD-fv6aUN'],
  ['registry/double-create', 'assertion', 'heddle1:7e4a6379:BQABAQICBwEFAAMAj5HTkgqpg5bVCQ'],
  ['registry/iterate-while-insert', 'assertion', 'heddle1:55bdf2d7:BgAEAQICBAABAQkAAQD4y-CODOeQkMkP'],
  ['registry/leaky-global', 'nondeterminism', 'heddle1:cf2ecc4d:AQAJAIKB5tMInYSjngc'],
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
