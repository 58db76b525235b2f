import { describe, expect, it } from 'vitest';
import { explore, replay, type Scenario } from 'heddle';
import { loadAll } from '../../src/cli/load.ts';

// The job-store scenarios of #20 (scenarios/redis/store.ts, scenarios/sqlite/store.ts): the
// pre-#20 Redis store's failures, each found by random search (seed 1) and pinned by the token
// that search reported; the fixed Redis store and the SQLite store verified by DPOR, with the
// trace count pinned (a change that silently explores nothing fails here).
const BUGGY: [name: string, message: RegExp, token: string][] = [
  ['redis/cap-race', /exactly one of the two creates fits under the cap/, 'heddle2:959642cb:BQANAQICDQELAAIAm6DX8Qg:1f9f34ee'],
  ['redis/crash-orphans', /job:job-2 has no TTL: it never expires/, 'heddle2:f71712ca:BQANAQYCAQEEAAkAosjDlAc:9c0001d9'],
  ['redis/finished-make-room', /create refused at the cap although finished jobs could make room/, 'heddle2:bd9b3864:BQAlAQQAAQIEAAEAusyaqAc:f1c5b5be'],
  ['redis/full-after-expiry', /store full for good: every job expired, yet create was refused/, 'heddle2:4c160d45:AwAaAQQAAQCLmJ_PDw:8daeb6a8'],
];

// The Redis model's store is a class instance: since instances are named by the step that made
// them (not at first use), DPOR no longer repeats traces there (cap-race 16 → 6, finished-make-room
// 65 → 10, full-after-expiry 35 → 14, update-evict-delete 80 → 17, evict-races-restart 16 → 6;
// then 13 and 16 once setting a key a Map has no longer writes its set of keys; the final keyspaces and verdicts are those 20,000 random schedules reach).
const VERIFIED: [name: string, traces: number][] = [
  ['redis/cap-race.fixed', 6],
  ['redis/crash-orphans.fixed', 8],
  ['redis/finished-make-room.fixed', 10],
  ['redis/full-after-expiry.fixed', 13],
  ['redis/update-evict-delete', 16],
  ['redis/evict-races-restart', 6],
  ['sqlite/cap-race', 6],
  ['sqlite/crash-orphans', 7],
  ['sqlite/finished-make-room', 6],
  ['sqlite/full-after-expiry', 434],
  ['sqlite/update-evict-delete', 504],
  ['sqlite/evict-races-restart', 10],
];

const scenarios = new Map((await loadAll()).map(({ scenario }) => [scenario.name, scenario]));
const byName = (name: string): Scenario => {
  const s = scenarios.get(name);
  if (!s) throw new Error(`no scenario ${name}`);
  return s;
};

describe('the pre-#20 Redis store on the command-level model', () => {
  for (const [name, message, token] of BUGGY) {
    it(`${name}: random search (seed 1) finds the assertion, and its pinned token replays it`, async () => {
      const s = byName(name);
      expect(s.options.expect).toBe('assertion');
      const found = await explore(s, { strategy: 'random', seed: 1, iterations: 500 });
      expect(found.failure?.kind).toBe('assertion');
      expect(found.failure?.message).toMatch(message);
      expect(found.failure?.token).toBe(token);
      const back = await replay(s, token);
      expect(back.failure?.kind).toBe('assertion');
      expect(back.failure?.message).toMatch(message);
    });
  }

  it('the orphan key needs a crash at the right moment: the first schedules of the search pass', async () => {
    const found = await explore(byName('redis/crash-orphans'), { strategy: 'random', seed: 1, iterations: 500 });
    expect(found.schedulesRun).toBeGreaterThan(1);
  });
});

describe('the fixed Redis store and the SQLite store, verified by dpor', () => {
  for (const [name, traces] of VERIFIED) {
    it(`${name}: verified over ${traces} traces, complete`, async () => {
      const r = await explore(byName(name), { strategy: 'dpor' });
      expect(r.failure?.message).toBeUndefined();
      expect(r.complete).toBe(true);
      expect(r.schedulesRun).toBe(traces);
    });
  }
});
