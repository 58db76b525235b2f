// The seed systems as a developer writes them (models/plain: plain Maps and fields, async methods
// awaiting an injected store or loader, no heddle primitive), checked as they are: each buggy one
// is found by the default strategy and by DPOR; each fixed one is verified by DPOR over more than
// one trace, with the count pinned so that a search that silently explores less fails.
import { describe, expect, it } from 'vitest';
import { explore, type Scenario } from 'heddle';
import { loadAll } from '../../src/cli/load.ts';

const all = (await loadAll()).map((l) => l.scenario).filter((s) => s.name.startsWith('plain/'));
const buggy = all.filter((s) => (s.options.expect ?? 'pass') !== 'pass');
const fixed = all.filter((s) => (s.options.expect ?? 'pass') === 'pass');

const FIXED_TRACES: Record<string, number> = {
  'plain/cache/double-load.fixed': 2,
  'plain/cache/evicted-before-read.fixed': 3,
  'plain/cache/lost-stats.fixed': 3,
  'plain/cache/over-capacity.fixed': 3,
  'plain/counter/inconsistent-snapshot.fixed': 2,
  'plain/counter/lost-update.fixed': 2,
  'plain/pool/drain-early.fixed': 2,
  'plain/pool/duplicate-task.fixed': 4,
  'plain/pool/lost-result.fixed': 4,
  'plain/pool/stats-inconsistent.fixed': 4,
  'plain/registry/double-create.fixed': 2,
};

describe('the plain seed models, checked as they are written', () => {
  it('every plain scenario is here: 11 buggy, each with its fixed twin', () => {
    expect(buggy).toHaveLength(11);
    expect(fixed.map((s) => s.name).sort()).toEqual(Object.keys(FIXED_TRACES).sort());
  });

  for (const s of buggy) {
    it(`${s.name}: found by the default strategy and by dpor`, async () => {
      const byDefault = await explore(s, { seed: 1 });
      expect(byDefault.failure?.kind).toBe(s.options.expect);
      const byDpor = await explore(s, { strategy: 'dpor' });
      expect(byDpor.failure?.kind).toBe(s.options.expect);
    });
  }

  for (const [name, traces] of Object.entries(FIXED_TRACES)) {
    it(`${name}: verified by dpor over exactly ${traces} traces`, async () => {
      const r = await explore(fixed.find((s) => s.name === name) as Scenario, { strategy: 'dpor' });
      expect(r.failure?.message).toBeUndefined();
      expect(r.complete).toBe(true);
      expect(r.coverage).toBe(`verified: ${traces} traces, complete`);
      expect(r.schedulesRun).toBeGreaterThan(1);
    });
  }
});
